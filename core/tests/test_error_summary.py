"""Issue 9, keyboard and screen readers: a form that comes back with errors
opens with an error summary (role="alert", focusable, one link per field in
error) and every field is tied to its error (aria-invalid, aria-describedby);
the login's refusal describes both of its inputs."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from core.testing import page_text
from orders.tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(html):
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def by_id(html, element_id):
    found = [attrs for _tag, attrs in tags(html) if attrs.get("id") == element_id]
    assert len(found) == 1, f"{len(found)} elements with id {element_id!r}"
    return found[0]


def summary_block(html, summary_id="error-summary"):
    """The summary's markup: from its tag to the first field after it."""
    start = html.index(f'id="{summary_id}"')
    return html[start:re.compile(r'<input|<div class="field').search(html, start).start()]


def test_order_form_swapped_back_with_errors_opens_with_a_linked_summary(client, client_user):
    service = ServiceFactory()
    client.force_login(client_user)
    response = client.post(
        reverse("orders:create"), {"service": service.pk, "title": "", "declared_pages": 1001}, HTTP_HX_REQUEST="true",
    )
    html = page_text(response)
    summary = by_id(html, "error-summary")
    assert summary["role"] == "alert" and summary["tabindex"] == "-1" and "data-error-summary" in summary
    block = summary_block(html)
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', block)
    assert [target for target, _text in links] == ["id_title", "id_declared_pages", "id_manuscripts"]  # form order
    assert "Titre du manuscrit : Ce champ est obligatoire." in links[0][1]
    assert "Indiquez entre 1 et 1" in links[1][1]
    assert "Corrigez les 3 champs suivants" in block
    for field in ("id_title", "id_declared_pages"):
        attrs = by_id(html, field)
        assert attrs["aria-invalid"] == "true"
        assert f"{field}_error" in attrs["aria-describedby"].split()
        by_id(html, f"{field}_error")  # the error the field points to exists, once
    # The form keeps its id so htmx swaps it in place (hx-select="#order-form").
    by_id(html, "order-form")
    assert "aria-invalid" not in by_id(html, "id_description")


def test_visitor_order_form_summaries_have_distinct_ids(client):
    service = ServiceFactory()
    response = client.post(reverse("orders:create"), {"service": service.pk, "title": "T", "declared_pages": 3})
    html = page_text(response)
    by_id(html, "account-error-summary")  # the visitor's account form: its own summary
    assert 'href="#id_account-email"' in summary_block(html, "account-error-summary")


def test_a_valid_form_shows_no_summary(client, client_user):
    client.force_login(client_user)
    assert "data-error-summary" not in page_text(client.get(reverse("orders:create")))


def test_login_refusal_describes_both_inputs(client):
    user = UserFactory()
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": "not-the-password"})
    html = page_text(response)
    by_id(html, "form-errors")
    assert "Adresse e-mail ou mot de passe incorrect." in summary_block(html)
    assert by_id(html, "error-summary")["role"] == "alert"
    for field in ("id_username", "id_password"):
        attrs = by_id(html, field)
        assert attrs["aria-invalid"] == "true"
        assert "form-errors" in attrs["aria-describedby"].split()


def test_fresh_login_page_describes_nothing(client):
    html = page_text(client.get(reverse("accounts:login")))
    for field in ("id_username", "id_password"):
        attrs = by_id(html, field)
        assert "aria-invalid" not in attrs and "aria-describedby" not in attrs
