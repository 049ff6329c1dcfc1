import pytest
from django.urls import reverse

from core import health

pytestmark = pytest.mark.django_db


def test_health_reports_every_check(client):
    response = client.get(reverse("core:health"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "OK"
    assert body["timestamp"]
    assert body["checks"] == {"database": "ok", "cache": "ok", "broker": "disabled", "storage": "ok"}


def test_failing_check_gives_503_and_is_named(client, monkeypatch):
    def broken():
        raise ConnectionError("database down")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    response = client.get(reverse("core:health"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "ERROR"
    assert body["checks"]["database"] == "error"
    assert body["checks"]["cache"] == "ok"
    assert "database down" not in response.content.decode()  # no internals leak


def test_broker_check_reaches_a_real_broker(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (CI runs it against Redis)")
    assert health.check_broker() is None


def test_unreachable_broker_is_an_error(settings, monkeypatch):
    from config.celery_app import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    with pytest.raises(Exception):  # noqa: B017 — any connection error
        health.check_broker()


@pytest.fixture
def storage_writes(monkeypatch):
    """Every save the storage receives, by name (the probe's writes)."""
    from django.core.files.storage import default_storage

    saved = []
    original = default_storage.save

    def recording_save(name, content, **kwargs):
        saved.append(name)
        return original(name, content, **kwargs)

    monkeypatch.setattr(default_storage, "save", recording_save)
    return saved


def test_public_probe_only_reads_the_storage(client, storage_writes):
    response = client.get(reverse("core:health"))
    assert response.json()["checks"]["storage"] == "ok"
    assert storage_writes == []


def test_probe_with_the_token_writes_and_deletes(client, settings, storage_writes, tmp_path):
    settings.HEALTH_CHECK_TOKEN = "sonde-interne-0123456789"
    wrong = client.get(reverse("core:health"), headers={"X-Health-Token": "devine"})
    assert wrong.status_code == 200 and storage_writes == []
    response = client.get(reverse("core:health"), headers={"X-Health-Token": "sonde-interne-0123456789"})
    assert response.json()["checks"]["storage"] == "ok"
    assert len(storage_writes) == 1
    assert not (settings.MEDIA_ROOT / storage_writes[0]).exists()  # deleted again


def test_empty_token_setting_never_matches_an_empty_header(client, settings, storage_writes):
    settings.HEALTH_CHECK_TOKEN = ""
    client.get(reverse("core:health"), headers={"X-Health-Token": ""})
    assert storage_writes == []


def test_staff_probe_writes(client, storage_writes):
    from accounts.tests.factories import AdminFactory

    client.force_login(AdminFactory())
    client.get(reverse("core:health"))
    assert len(storage_writes) == 1


def test_unwritable_storage_fails_the_internal_probe(client, settings, monkeypatch):
    from django.core.files.storage import default_storage

    def refuse(*args, **kwargs):
        raise PermissionError("read-only")

    monkeypatch.setattr(default_storage, "save", refuse)
    settings.HEALTH_CHECK_TOKEN = "sonde-interne-0123456789"
    response = client.get(reverse("core:health"), headers={"X-Health-Token": "sonde-interne-0123456789"})
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "error"


def test_cache_and_broker_down_is_degraded_not_down(client, monkeypatch):
    def broken():
        raise ConnectionError("redis down")

    monkeypatch.setitem(health.CHECKS, "cache", broken)
    monkeypatch.setitem(health.CHECKS, "broker", broken)
    response = client.get(reverse("core:health"))
    assert response.status_code == 200
    assert response.json()["status"] == "DEGRADED"


def test_database_down_with_a_session_cookie_still_answers_the_probe(client, monkeypatch):
    from django.contrib.sessions.backends import cached_db, db
    from django.db.utils import OperationalError

    def down(*args, **kwargs):
        raise OperationalError("(2006, 'MySQL server has gone away')")

    monkeypatch.setitem(health.CHECKS, "database", down)
    monkeypatch.setattr(db.SessionStore, "load", down)
    monkeypatch.setattr(cached_db.SessionStore, "load", down)
    client.cookies["sessionid"] = "x" * 32
    response = client.get(reverse("core:health"))
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error"
