"""Issue 9 in a real browser, on a phone (390×844) and a laptop (1366×768):
staff start a conversation with a client from the inbox ("Écrire à un
client", a search field, not a list of every user); the client sees it with
a Messages badge of 1, although the order's notices ("Paiement reçu",
"… est le correcteur de ce projet") sit in their other conversation."""

import pytest

from messaging.models import Conversation, Message

from .test_layout_phone import LAPTOP, PHONE, check_layout

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_staff_start_a_conversation_and_the_client_sees_a_badge_of_1(
    viewport, new_page, live_server, log_in, screenshot, working_order, client_user, staff
):
    # The order's notices are there, unread, in the order's conversation.
    assert Message.objects.filter(conversation__order=working_order, sender=None).count() >= 2
    name = f"staff-writes-{viewport['width']}"

    page = new_page()
    page.set_viewport_size(viewport)
    log_in(page, staff.email)
    page.goto(f"{live_server.url}/messages/")
    page.get_by_role("link", name="Écrire à un client").click()
    page.get_by_role("heading", name="Écrire à un client").wait_for()
    assert page.locator("select").count() == 0

    # Typing searches as you go (htmx); the result is a link to pick the client.
    page.get_by_label("Rechercher un client (nom ou e-mail)").fill(client_user.last_name[:4])
    result = page.locator("#client-results").get_by_role("link", name=client_user.get_full_name())
    result.wait_for()
    check_layout(page, viewport, f"{name}-search", screenshot)
    result.click()
    page.get_by_text("Destinataire :").wait_for()
    page.get_by_label("Sujet").fill("Votre prochain manuscrit")
    page.get_by_label("Votre message").fill("Bonjour, l'équipe a une question sur votre prochain manuscrit.")
    check_layout(page, viewport, f"{name}-form", screenshot)
    page.get_by_role("button", name="Envoyer").click()
    page.get_by_role("heading", name="Votre prochain manuscrit").wait_for()
    page.locator("#message-list").get_by_text("l'équipe a une question").wait_for()
    check_layout(page, viewport, f"{name}-sent", screenshot)
    conversation = Conversation.objects.get(subject="Votre prochain manuscrit")
    assert conversation.created_by == staff

    client_page = new_page()
    client_page.set_viewport_size(viewport)
    log_in(client_page, client_user.email)
    client_page.goto(f"{live_server.url}/messages/")
    badge = client_page.locator(".nav__count")
    badge.wait_for(state="attached")
    assert badge.text_content().split()[0] == "1"
    item = client_page.locator(".conversation-item", has_text="Votre prochain manuscrit")
    item.get_by_text("1 non lu").wait_for()
    # The order's conversation holds only notices: nothing unread there.
    assert client_page.locator(".conversation-item.is-unread").count() == 1
    check_layout(client_page, viewport, f"{name}-client-inbox", screenshot)
    item.get_by_role("link", name="Votre prochain manuscrit").click()
    client_page.locator("#message-list").get_by_text("l'équipe a une question").wait_for()
    client_page.locator(".nav__count").wait_for(state="detached")
