"""Issue 10's support desk in a real browser, on a phone (390×844) and a
laptop (1366×768): a client opens a ticket about their order → the team sees
it in the queue, takes it and answers → the client reads the answer on their
ticket page."""

import pytest

from support.models import Ticket

from .test_layout_phone import LAPTOP, PHONE, check_layout

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_a_client_ticket_about_an_order_is_answered_by_the_team(
    viewport, new_page, live_server, log_in, screenshot, working_order, client_user, staff
):
    name = f"support-{viewport['width']}"
    client_page = new_page()
    client_page.set_viewport_size(viewport)
    log_in(client_page, client_user.email)
    client_page.goto(f"{live_server.url}/aide/")
    check_layout(client_page, viewport, f"{name}-help", screenshot)
    client_page.get_by_role("link", name="Nouvelle demande").first.click()
    client_page.get_by_label("Objet").fill("Date de livraison")
    client_page.get_by_label("Catégorie").select_option("COMMANDE")
    client_page.get_by_label("Commande concernée").select_option(str(working_order.pk))
    client_page.get_by_label("Votre demande").fill("Bonjour, quand recevrai-je ma correction ?")
    check_layout(client_page, viewport, f"{name}-new", screenshot)
    client_page.get_by_role("button", name="Envoyer ma demande").click()
    client_page.get_by_role("heading", name="Date de livraison").wait_for()
    ticket = Ticket.objects.get(title="Date de livraison")
    assert ticket.order == working_order and ticket.requester == client_user

    staff_page = new_page()
    staff_page.set_viewport_size(viewport)
    log_in(staff_page, staff.email)
    staff_page.goto(f"{live_server.url}/support/")
    staff_page.get_by_role("link", name="Date de livraison").wait_for()
    check_layout(staff_page, viewport, f"{name}-queue", screenshot)
    staff_page.get_by_role("link", name="Date de livraison").click()
    staff_page.get_by_role("button", name="Prendre en charge").click()
    staff_page.get_by_text("Vous suivez ce ticket.").wait_for()
    staff_page.get_by_label("Votre message").fill("Bonjour, votre correcteur livre d'ici vendredi.")
    staff_page.get_by_role("button", name="Envoyer la réponse").click()
    staff_page.get_by_text("Réponse envoyée.").wait_for()
    check_layout(staff_page, viewport, f"{name}-staff-ticket", screenshot)
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None and ticket.assigned_to == staff

    client_page.reload()
    client_page.get_by_text("votre correcteur livre d'ici vendredi").wait_for()
    client_page.get_by_text("Équipe Staka Livres").first.wait_for()
    check_layout(client_page, viewport, f"{name}-client-answer", screenshot)
