"""Messaging in real browsers: the client and the corrector of an order talk
in two windows; each sees the other's messages appear without reloading."""

import re

import pytest

from messaging import services
from messaging.models import Message
from orders.demo import demo_pdf

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = demo_pdf("x.pdf").read()
LIVE_DELAY_MS = 6_000  # polled every 4 s: a new message shows within 5 s


def test_client_and_corrector_exchange_messages_live(live_server, new_page, log_in, screenshot, working_order,
                                                     client_user, corrector):
    # The orders side opens the order's conversation.
    conversation = services.conversation_for_order(order=working_order)

    client_page = new_page()
    log_in(client_page, client_user.email)
    client_page.goto(f"{live_server.url}/messages/")
    client_page.get_by_role("link", name=working_order.title).click()
    client_page.get_by_role("heading", name=working_order.title).wait_for()

    corrector_page = new_page()
    log_in(corrector_page, corrector.email)
    corrector_page.goto(f"{live_server.url}/messages/orders/{working_order.pk}/")
    assert corrector_page.url.endswith(f"/messages/{conversation.pk}/")
    # The order's events are already there (assignment), as system messages.
    corrector_page.get_by_text("est le correcteur de ce projet").wait_for()
    # Marks both pages: a reload would lose it.
    for page in (client_page, corrector_page):
        page.evaluate("window.__sameDocument = true")

    # The client writes with an attachment; the page does not reload.
    client_page.get_by_label("Votre message").fill("Bonjour Julien,\nvoici le chapitre 3 revu : https://example.com/notes")
    client_page.get_by_label("Pièces jointes").set_input_files(
        files=[{"name": "chapitre-3.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    screenshot(client_page, "messaging-01-client-writes")
    client_page.get_by_role("button", name="Envoyer").click()
    client_page.locator("#message-list").get_by_text("voici le chapitre 3 revu").wait_for()
    assert client_page.get_by_label("Votre message").input_value() == ""
    assert client_page.evaluate("window.__sameDocument") is True

    # The corrector sees it appear by itself, with the attachment and the link.
    corrector_page.locator("#message-list").get_by_text("voici le chapitre 3 revu").wait_for(timeout=LIVE_DELAY_MS)
    corrector_page.get_by_role("link", name="chapitre-3.pdf").wait_for()
    assert corrector_page.get_by_role("link", name="https://example.com/notes").get_attribute("href") == \
        "https://example.com/notes"
    assert corrector_page.evaluate("window.__sameDocument") is True
    screenshot(corrector_page, "messaging-02-corrector-receives")
    with corrector_page.expect_download() as download_info:
        corrector_page.get_by_role("link", name="chapitre-3.pdf").click()
    assert download_info.value.suggested_filename == "chapitre-3.pdf"
    with open(download_info.value.path(), "rb") as downloaded:
        assert downloaded.read() == PDF

    # The corrector answers that very message; the draft is saved while typing.
    corrector_page.get_by_role("link", name="Répondre").first.click()
    corrector_page.get_by_text("En réponse à").first.wait_for()
    corrector_page.get_by_label("Votre message").fill("Merci, je m'y mets")
    corrector_page.get_by_text(re.compile(r"Brouillon enregistré à \d\d:\d\d")).wait_for(timeout=LIVE_DELAY_MS)
    assert Message.objects.filter(status=Message.Status.BROUILLON, sender=corrector).exists()
    corrector_page.get_by_label("Votre message").fill("Merci Marie, je relis le chapitre 3 dès ce soir.")
    corrector_page.get_by_role("button", name="Envoyer").click()
    corrector_page.locator("#message-list").get_by_text("je relis le chapitre 3").wait_for()
    screenshot(corrector_page, "messaging-03-corrector-replies")

    client_page.locator("#message-list").get_by_text("je relis le chapitre 3").wait_for(timeout=LIVE_DELAY_MS)
    client_page.locator("#message-list .message__quote").get_by_text("En réponse à").wait_for()
    assert client_page.evaluate("window.__sameDocument") is True
    # The bell refreshes with the message: it shows the new notification.
    client_page.locator(".bell__count").wait_for(timeout=LIVE_DELAY_MS)
    client_page.locator(".bell summary").click()
    client_page.locator(".bell__panel").get_by_text("Nouveau message").first.wait_for()
    screenshot(client_page, "messaging-04-client-sees-the-reply")

    reply = Message.objects.get(content__startswith="Merci Marie")
    assert reply.parent.content.startswith("Bonjour Julien")
    assert not Message.objects.filter(status=Message.Status.BROUILLON).exists()
    # Each side has read everything: no unread badge left once the nav refreshes.
    client_page.goto(f"{live_server.url}/messages/")
    client_page.get_by_role("link", name=working_order.title).wait_for()
    assert client_page.locator(".conversation-item.is-unread").count() == 0
    screenshot(client_page, "messaging-05-inbox")


def test_errors_come_back_in_the_form(live_server, new_page, log_in, screenshot, working_order, client_user):
    conversation = services.conversation_for_order(order=working_order)
    page = new_page()
    log_in(page, client_user.email)
    page.goto(f"{live_server.url}/messages/{conversation.pk}/")
    page.get_by_label("Votre message").fill("Mon roman")
    page.get_by_label("Pièces jointes").set_input_files(
        files=[{"name": "roman.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00" + b"\x00" * 500}]
    )
    page.get_by_role("button", name="Envoyer").click()
    page.get_by_text("n'est pas d'un type accepté").wait_for()
    screenshot(page, "messaging-06-refused-file")
    assert not Message.objects.exclude(type=Message.Type.SYSTEM_MESSAGE).exists()
    # The form still works after being swapped in.
    page.get_by_label("Pièces jointes").set_input_files([])
    page.get_by_label("Votre message").fill("Sans la pièce jointe, alors.")
    page.get_by_role("button", name="Envoyer").click()
    page.locator("#message-list").get_by_text("Sans la pièce jointe").wait_for()


def test_nav_badge_counts_unread_messages(live_server, new_page, log_in, screenshot, working_order, client_user,
                                          corrector, staff):
    conversation = services.conversation_for_order(order=working_order)
    services.message_send(conversation=conversation, sender=corrector, content="Une question sur le chapitre 2.")
    services.message_send(conversation=conversation, sender=staff, content="L'équipe suit votre projet.",
                          signed_as_team=True)
    page = new_page()
    log_in(page, client_user.email)
    page.goto(f"{live_server.url}/messages/")
    # Two messages people wrote; the order's notices (paid, assigned) show in
    # the thread but are not unread messages (issue 9).
    assert Message.objects.filter(conversation=conversation, sender=None).count() == 2
    unread = "2"
    page.locator(".nav__count").get_by_text(unread).wait_for()
    page.get_by_text(f"{unread} non lus").wait_for()
    screenshot(page, "messaging-07-unread-badge")
    page.get_by_role("link", name=working_order.title).click()
    page.get_by_text("Équipe Staka Livres").first.wait_for()
    assert page.get_by_text(staff.get_full_name()).count() == 0
    # Opened, hence read: the badge is gone.
    page.locator(".nav-unread").get_by_text(unread).wait_for(state="detached")
    assert page.locator(".nav__count").count() == 0


def test_messages_sent_one_after_the_other_from_one_page_all_arrive(live_server, new_page, log_in, working_order,
                                                                   client_user):
    """Each compose form carries a one-time token (a double submit posts once);
    after an htmx send the page gets the next one, so the next message is new."""
    conversation = services.conversation_for_order(order=working_order)
    page = new_page()
    log_in(page, client_user.email)
    page.goto(f"{live_server.url}/messages/{conversation.pk}/")
    first_token = page.locator("input[name=client_token]").input_value()
    for text in ("Premier message", "Deuxième message", "Troisième message"):
        page.get_by_label("Votre message").fill(text)
        page.get_by_role("button", name="Envoyer").click()
        page.locator("#message-list").get_by_text(text).wait_for()
    assert page.locator("input[name=client_token]").input_value() != first_token
    sent = Message.objects.filter(conversation=conversation, sender=client_user).values_list("content", flat=True)
    assert list(sent) == ["Premier message", "Deuxième message", "Troisième message"]
