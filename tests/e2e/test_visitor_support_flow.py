"""Issue 10's whole visitor path in a real browser: a visitor sends the
contact form → the team finds the ticket in its queue and answers → the
e-mailed reply link adds the visitor's message to the same ticket → the team
resolves it. On a phone and a laptop."""

import re

import pytest

from support.models import Ticket

from .test_layout_phone import LAPTOP, PHONE, check_layout

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def reply_link(outbox, email):
    body = next(m.body for m in reversed(outbox) if m.to == [email] and "/aide/reponse/" in m.body)
    return re.search(r"https?://\S+/aide/reponse/\S+", body).group(0)


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_a_visitor_is_answered_and_replies_through_the_emailed_link(
    viewport, new_page, live_server, log_in, screenshot, staff, outbox
):
    name = f"visitor-support-{viewport['width']}"
    visitor = new_page()
    visitor.set_viewport_size(viewport)
    visitor.goto(f"{live_server.url}/contact/")
    visitor.get_by_label("Nom").fill("Ada Lovelace")
    visitor.get_by_label("E-mail").fill("ada@example.org")
    visitor.get_by_label("Objet").fill("Un devis pour mon roman")
    visitor.get_by_label("Message").fill("Bonjour, mon roman fait 300 pages. Quel délai ?")
    visitor.get_by_label(re.compile("J'accepte que Staka Livres")).check()
    visitor.get_by_role("button", name="Envoyer mon message").click()
    visitor.get_by_role("heading", name="Merci, c'est bien reçu").wait_for()
    ticket = Ticket.objects.get(title="Un devis pour mon roman")
    assert ticket.is_from_visitor and ticket.status == Ticket.Status.OUVERT

    team = new_page()
    team.set_viewport_size(viewport)
    log_in(team, staff.email)
    team.goto(f"{live_server.url}/support/")
    team.get_by_role("link", name="Un devis pour mon roman").click()
    team.get_by_text("mon roman fait 300 pages").wait_for()
    team.get_by_role("button", name="Prendre en charge").click()
    team.get_by_label("Votre message").fill("Bonjour Ada, comptez trois semaines. Quel service souhaitez-vous ?")
    team.get_by_role("button", name="Envoyer la réponse").click()
    team.get_by_text("Réponse envoyée.").wait_for()

    # The visitor has no account: the answer and the way back come by e-mail.
    visitor.goto(reply_link(outbox, "ada@example.org"))
    visitor.get_by_text("comptez trois semaines").wait_for()
    check_layout(visitor, viewport, f"{name}-reply-link", screenshot)
    visitor.get_by_label("Votre réponse").fill("La correction complète, merci !")
    visitor.get_by_role("button", name="Envoyer").click()
    visitor.get_by_text("La correction complète, merci !").wait_for()

    team.reload()
    team.get_by_text("La correction complète, merci !").wait_for()
    team.get_by_label("Nouveau statut").select_option("RESOLU")
    team.get_by_role("button", name="Changer le statut").click()
    team.get_by_text("Résolu").first.wait_for()
    check_layout(team, viewport, f"{name}-resolved", screenshot)

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLU and ticket.resolved_at is not None
    assert ticket.first_response_at is not None
    visitor_messages = ticket.conversation.messages.filter(visitor_email="ada@example.org")
    assert list(visitor_messages.values_list("content", flat=True)) == [
        "Bonjour, mon roman fait 300 pages. Quel délai ?", "La correction complète, merci !",
    ]
