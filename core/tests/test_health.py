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
