"""The public request pages in a real browser: a visitor writes to the team
and books a consultation; screenshots of the three pages at phone and
desktop widths."""

import re
from datetime import datetime

import pytest

from orders.tests.factories import ServiceFactory
from support.models import ConsultationBooking, Ticket
from support.tests.consultation_fixtures import migrated_rows

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture(autouse=True)
def _calendar():
    migrated_rows()


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_visitor_sends_the_contact_form(live_server, page, outbox):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/contact/")
    page.get_by_role("button", name="Envoyer mon message").click()
    # Nothing sent: the errors say what is missing.
    page.get_by_text("Corrigez les").wait_for()
    assert not Ticket.objects.exists()

    page.get_by_label("Nom").fill("Ada Lovelace")
    page.get_by_label("E-mail").fill("ada@example.org")
    page.get_by_label("Objet").fill("Un devis pour mon roman")
    page.get_by_label("Message").fill("Bonjour, mon roman fait 300 pages.")
    page.get_by_label(re.compile("J'accepte que Staka Livres")).check()
    page.get_by_role("button", name="Envoyer mon message").click()
    page.get_by_role("heading", name="Merci, c'est bien reçu").wait_for()
    assert page.get_by_text("Nous vous répondons sous 24 h.").is_visible()

    ticket = Ticket.objects.get()
    assert ticket.source == Ticket.Source.CONTACT and ticket.visitor_email == "ada@example.org"
    assert any(m.to == ["ada@example.org"] for m in outbox)


def test_a_visitor_books_a_consultation(live_server, page, outbox):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/consultation/")
    first = page.locator(".slot").first
    chosen = first.locator("input").get_attribute("value")
    first.click()
    page.get_by_label("Nom").fill("Ada Lovelace")
    page.get_by_label("E-mail").fill("ada@example.org")
    page.get_by_label("Sujet de la consultation").fill("Mon premier roman")
    page.get_by_label(re.compile("J'accepte que Staka Livres")).check()
    no_sideways_scroll(page)
    page.get_by_role("button", name="Réserver ce créneau").click()
    page.get_by_text("Votre consultation est réservée").wait_for()

    booking = ConsultationBooking.objects.get()
    assert booking.slot_start == datetime.fromisoformat(chosen)
    assert booking.ticket.source == Ticket.Source.CONSULTATION
    [email] = [m for m in outbox if m.to == ["ada@example.org"]]
    assert email.attachments[0][0] == "consultation.ics"

    # The slot is gone from the calendar.
    page.goto(f"{live_server.url}/consultation/")
    assert page.locator(f'input[value="{chosen}"]').count() == 0


@pytest.mark.parametrize("viewport, size", [(PHONE, "390"), (DESKTOP, "1366")])
def test_screenshots_of_the_public_pages(live_server, page, screenshot, viewport, size):
    ServiceFactory(name="Correction complète")
    page.set_viewport_size(viewport)
    for path, name in (("/contact/", "contact"), ("/echantillon-gratuit/", "echantillon-gratuit"),
                       ("/consultation/", "consultation")):
        page.goto(f"{live_server.url}{path}")
        page.get_by_role("heading", level=1).wait_for()
        no_sideways_scroll(page)
        screenshot(page, f"public-{name}-{size}")
