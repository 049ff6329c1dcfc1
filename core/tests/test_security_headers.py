import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from core.testing import page_text

pytestmark = pytest.mark.django_db


def test_every_response_has_a_permissions_policy(client):
    for url in (reverse("core:landing"), reverse("accounts:login"), reverse("core:health")):
        policy = client.get(url)["Permissions-Policy"]
        for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
            assert feature in policy


def test_logged_in_html_pages_are_not_stored(client):
    client.force_login(UserFactory())
    for url in (reverse("orders:client_dashboard"), reverse("accounts:profile"), reverse("core:landing")):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"], url


def test_anonymous_public_pages_stay_cacheable(client):
    response = client.get(reverse("core:landing"))
    assert "no-store" not in response.get("Cache-Control", "")


def test_csrf_failure_page_is_in_french():
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(reverse("accounts:login"), {"username": "a@example.org", "password": "x"})
    assert response.status_code == 403
    text = page_text(response)
    assert "Formulaire expiré" in text
    assert "rechargez-la" in text
    assert "CSRF cookie" not in text and "Forbidden" not in text and "La vérification CSRF" not in text


def test_pages_carry_the_content_security_policy_and_a_304_does_not(client):
    """A 304 has no body to protect; the bell polled every few seconds skips
    building the policy (core.middleware.CSPMiddleware)."""
    client.force_login(UserFactory())
    assert "script-src 'self'" in client.get(reverse("orders:client_dashboard"))["Content-Security-Policy"]
    bell = client.get(reverse("notifications:bell"))
    assert "script-src 'self'" in bell["Content-Security-Policy"]
    unchanged = client.get(reverse("notifications:bell"), HTTP_IF_NONE_MATCH=bell["ETag"])
    assert unchanged.status_code == 304
    assert "Content-Security-Policy" not in unchanged
