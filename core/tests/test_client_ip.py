"""Rate limits and lockouts key on the client's IP, taken from the trusted
proxies' X-Forwarded-For entries, never from what the client wrote itself."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from core.client_ip import client_ip

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")
PROXY = "10.0.0.1"


def ip_of(settings, count, forwarded):
    settings.TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    return client_ip(request)


def test_without_trusted_proxy_the_header_is_ignored(settings):
    assert ip_of(settings, 0, "203.0.113.9") == PROXY


def test_one_trusted_proxy_gives_the_entry_it_appended(settings):
    assert ip_of(settings, 1, "203.0.113.9") == "203.0.113.9"
    # The client wrote "198.51.100.1" itself; only the proxy's entry counts.
    assert ip_of(settings, 1, "198.51.100.1, 203.0.113.9") == "203.0.113.9"
    assert ip_of(settings, 2, "198.51.100.1, 203.0.113.9, 10.0.0.2") == "203.0.113.9"


def test_missing_or_garbage_header_falls_back_to_remote_addr(settings):
    assert ip_of(settings, 1, "") == PROXY
    assert ip_of(settings, 2, "203.0.113.9") == PROXY
    assert ip_of(settings, 1, "203.0.113.9, pas-une-ip") == PROXY


def login(client, email, forwarded, password="mauvais-mot-de-passe"):
    return client.post(
        LOGIN_URL, {"username": email, "password": password},
        REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_behind_one_proxy_two_visitors_have_separate_login_budgets(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": "3/15m"}
    for n in range(3):
        login(client, f"inconnu{n}@example.org", "203.0.113.1")
    assert login(client, "encore@example.org", "203.0.113.1").status_code == 429
    # Another visitor behind the same proxy still has their own budget.
    assert login(client, "autre@example.org", "203.0.113.2").status_code == 200
    # Writing another address in front does not escape the limit.
    assert login(client, "encore@example.org", "198.51.100.7, 203.0.113.1").status_code == 429


def test_without_trusted_proxy_a_spoofed_header_does_not_escape_the_limit(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": "3/15m"}
    for n in range(3):
        login(client, f"inconnu{n}@example.org", f"203.0.113.{n}")
    assert login(client, "encore@example.org", "203.0.113.99").status_code == 429


def test_behind_one_proxy_the_lockout_is_per_visitor(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    user = UserFactory()
    for _ in range(5):
        login(client, user.email, "203.0.113.1")
    assert login(client, user.email, "203.0.113.1", DEFAULT_PASSWORD).status_code == 429
    assert login(client, user.email, "198.51.100.7, 203.0.113.1", DEFAULT_PASSWORD).status_code == 429
    # The owner, from their own address behind the same proxy, is not locked out.
    assert login(client, user.email, "203.0.113.2", DEFAULT_PASSWORD).status_code == 302


def test_without_trusted_proxy_a_spoofed_header_does_not_escape_the_lockout(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    user = UserFactory()
    for n in range(5):
        login(client, user.email, f"203.0.113.{n}")
    assert login(client, user.email, "203.0.113.99", DEFAULT_PASSWORD).status_code == 429
