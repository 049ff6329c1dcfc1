"""The visitor's confirmation page and activation e-mail recap the order
they asked for (service, pages, urgency, price, delay) — from what the
visitor typed, so the page stays the same whether the address was new or
already had an account."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.tests.factories import UserFactory
from core.testing import page_text
from orders.tests.factories import ServiceFactory

from .test_visitor_enumeration import done_page, order_as_visitor

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("terms")]


def text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html).replace("\u202f", " ").replace("\u00a0", " "))


@pytest.fixture
def service():
    return ServiceFactory(name="Correction Standard", price=200)


def test_the_done_page_recaps_what_was_typed(client, service):
    # 60 pages at 2 € (the first 10 free) = 100 €, urgent +50 % = 150 €; 51–150 pages: 10–12 working days, halved.
    order_as_visitor(client, service, "neuf@example.org", pages=60, title="Le Horla", urgent="on")
    page = text(page_text(client.get(reverse("orders:visitor_done"))))
    for expected in ("Le Horla", "Correction Standard", "60 pages", "Urgente (+50 %)", "150,00 € TTC",
                     "5 à 6 jours ouvrés"):
        assert expected in page, expected


def test_the_recap_is_the_same_for_a_new_and_a_taken_address(client, service):
    UserFactory(email="pris@example.org")
    seen = []
    for email in ("neuf@example.org", "pris@example.org"):
        browser = type(client)()
        order_as_visitor(browser, service, email, pages=60, title="Le Horla")
        seen.append(done_page(browser).replace(email, "ADDRESS"))
    assert seen[0] == seen[1]
    assert "100,00" in seen[0] and "Correction Standard" in seen[0]


def test_the_activation_email_recaps_the_order(client, service, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order_as_visitor(client, service, "neuf@example.org", pages=60, title="Le Horla")
    message = next(m for m in mail.outbox if m.to == ["neuf@example.org"])
    body = text(message.body)
    html = text(message.alternatives[0][0])
    for expected in ("Le Horla", "Correction Standard", "Pages : 60", "Standard", "100,00 € TTC", "10 à 12 jours ouvrés"):
        assert expected in body, expected
    for expected in ("Correction Standard", "100,00 € TTC", "10 à 12 jours ouvrés"):
        assert expected in html, expected
    # A taken address gets no recap: no order was recorded for it.
    mail.outbox.clear()
    UserFactory(email="pris@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        order_as_visitor(type(client)(), service, "pris@example.org", pages=60, title="Le Horla")
    warning = next(m for m in mail.outbox if m.to == ["pris@example.org"])
    assert "100,00" not in warning.body
