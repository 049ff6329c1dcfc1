"""Redis unreachable (the cache points at a closed port): the site degrades.

Sessions come from the database, rate limits fail open with a warning, and
/health says "degraded". Runs in both CI modes: nothing listens on port 1.
"""

import logging

import pytest
from django.urls import reverse

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from config.settings.base import redis_cache

pytestmark = pytest.mark.django_db

CLOSED_PORT = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {"default": redis_cache(CLOSED_PORT)}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"


def test_login_and_logged_in_pages_work_without_redis(client, redis_down, caplog):
    user = UserFactory()
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        assert client.get(reverse("accounts:login")).status_code == 200
        response = client.post(reverse("accounts:login"), {"username": user.email, "password": DEFAULT_PASSWORD})
        assert response.status_code == 302
        assert client.get(reverse("orders:client_dashboard")).status_code == 200
        assert client.get(reverse("accounts:profile")).status_code == 200
    assert any("Redis cache unreachable" in record.getMessage() for record in caplog.records)


def test_rate_limited_forms_fail_open(client, redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        for _ in range(3):
            response = client.post(reverse("accounts:password_reset"), {"email": "quelqu.un@example.org"})
            assert response.status_code == 302
    assert "Redis cache unreachable" in caplog.text


def test_health_says_degraded_when_only_redis_is_missing(client, redis_down, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    from config.celery_app import app

    original = app.conf.broker_url
    app.conf.broker_url = CLOSED_PORT
    try:
        response = client.get(reverse("core:health"))
    finally:
        app.conf.broker_url = original
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "DEGRADED"
    assert body["checks"]["cache"] == "error"
    assert body["checks"]["broker"] == "error"
    assert body["checks"]["database"] == "ok"


def test_a_logout_during_the_outage_stays_a_logout_once_redis_is_back(client, settings, monkeypatch):
    """The session deleted from the database while Redis was unreachable
    must not come back from Redis's old copy when it returns."""
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (CI runs it against Redis)")
    from django.core.cache import cache

    from core import cache as fail_open

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    user = UserFactory()
    client.post(reverse("accounts:login"), {"username": user.email, "password": DEFAULT_PASSWORD})
    dashboard = reverse("orders:client_dashboard")
    assert client.get(dashboard).status_code == 200  # the session is now cached in Redis
    old_cookie = client.cookies["sessionid"].value

    def unreachable(*args, **kwargs):
        raise ConnectionError("Redis down")

    with monkeypatch.context() as outage:
        for operation in ("get", "set", "delete", "delete_many", "add", "incr"):
            outage.setattr(cache._cache, operation, unreachable)
        client.post(reverse("accounts:logout"))
    monkeypatch.setattr(fail_open, "RETRY_AFTER", 0.0)
    cache._unavailable_until = 0.0  # Redis is back

    client.cookies["sessionid"] = old_cookie  # a copy of the cookie, kept by someone
    response = client.get(dashboard)
    assert response.status_code == 302 and reverse("accounts:login") in response.url
