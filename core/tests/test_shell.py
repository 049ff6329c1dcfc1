"""The UI shell: headers, toasts on htmx requests, error pages, seed data."""

import re

import pytest
from django.contrib import messages
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory

from accounts.models import User
from accounts.tests.factories import UserFactory
from core.middleware import HtmxMessagesMiddleware

pytestmark = pytest.mark.django_db


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    unsafe = sorted(name for name, value in directives.items() if "unsafe" in value)
    assert unsafe == ["style-src-attr"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_no_asset_comes_from_another_host(client):
    page = client.get("/").content.decode()
    assert "htmx" in page and "/static/" in page
    # The canonical URL is absolute by definition; it names the page, it loads nothing.
    assets = re.sub(r'<link rel="canonical" href="[^"]*">', "", page)
    for marker in ["https://", "http://", "//cdn", "fonts.googleapis"]:
        assert f'src="{marker}' not in assets and f'href="{marker}' not in assets


def test_body_sends_the_csrf_token_on_htmx_requests(client):
    page = client.get("/").content.decode()
    assert "hx-headers='{\"X-CSRFToken\": \"" in page


def _htmx_request_with_message(text):
    request = RequestFactory().get("/", HTTP_HX_REQUEST="true")
    request.htmx = True
    request.session = {}
    from django.contrib.messages.storage.fallback import FallbackStorage

    request._messages = FallbackStorage(request)
    messages.success(request, text)
    return request


def test_htmx_partials_get_messages_as_out_of_band_toasts():
    request = _htmx_request_with_message("Profil enregistré")
    middleware = HtmxMessagesMiddleware(lambda r: HttpResponse("<p>partial</p>"))
    content = middleware(request).content.decode()
    assert content.startswith("<p>partial</p>")
    assert 'id="toasts" hx-swap-oob="beforeend"' in content
    assert "Profil enregistré" in content


def test_htmx_redirects_keep_their_messages_for_the_next_page():
    request = _htmx_request_with_message("Plus tard")
    response = HttpResponse(status=204)
    middleware = HtmxMessagesMiddleware(lambda r: response)
    assert middleware(request).content == b""
    assert [m.message for m in request._messages] == ["Plus tard"]


def test_404_page_is_french(client):
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_seed_demo_creates_the_documented_accounts_idempotently():
    call_command("seed_demo")
    call_command("seed_demo")
    expected = {
        "admin@staka-editions.com": ("admin123", User.Role.ADMIN),
        "user@example.com": ("user123", User.Role.USER),
        "corrector@staka-editions.com": ("corrector123", User.Role.CORRECTOR),
    }
    assert User.objects.count() == 3
    for email, (password, role) in expected.items():
        user = User.objects.get(email=email)
        assert user.check_password(password) and user.role == role and user.is_active


def test_seed_demo_leaves_other_accounts_alone():
    other = UserFactory()
    call_command("seed_demo")
    other.refresh_from_db()
    assert other.role == User.Role.USER


def test_favicon_ico_points_at_our_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response.url.endswith("/static/img/favicon.svg")
