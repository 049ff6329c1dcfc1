"""A long conversation in a real browser, on a phone and a laptop: the page
shows the latest messages, "Messages précédents" brings the older ones in
place, a quote of an old message finds it, and the poll revalidates with its
ETag (304) until something new arrives."""

import pytest

from messaging import services
from messaging.models import Conversation, Message
from messaging.selectors import INBOX_PAGE_SIZE, PAGE_SIZE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LIVE_DELAY_MS = 6_000  # polled every 4 s
TOTAL = 2 * PAGE_SIZE + 20


def long_conversation(order, client_user, corrector):
    conversation = services.conversation_for_order(order=order)
    first = services.message_send(conversation=conversation, sender=client_user, content="Tout premier message")
    Message.objects.bulk_create([
        Message(conversation=conversation, sender=(client_user, corrector)[n % 2], content=f"Message numéro {n}")
        for n in range(TOTAL - 2)
    ])
    last = services.message_send(conversation=conversation, sender=corrector, content="Je reviens sur le début",
                                 parent=first)
    Conversation.objects.filter(pk=conversation.pk).update(last_message=last)
    return conversation, first


@pytest.mark.parametrize("width, height", [(390, 844), (1366, 900)])
def test_older_messages_load_in_place_and_the_poll_revalidates(live_server, new_page, log_in, screenshot,
                                                               working_order, client_user, corrector, width,
                                                               height):
    conversation, first = long_conversation(working_order, client_user, corrector)
    shown = Message.objects.filter(conversation=conversation, status__in=Message.SENT_STATUSES).count()
    page = new_page()
    page.set_viewport_size({"width": width, "height": height})
    polls = []
    page.on("response", lambda r: polls.append((r.status, r.request.headers.get("if-none-match")))
            if "/since/" in r.url else None)
    log_in(page, client_user.email)
    url = f"{live_server.url}/messages/{conversation.pk}/"
    page.goto(url)
    page.evaluate("window.__sameDocument = true")
    messages = page.locator("#message-list > [data-message-id]")
    assert messages.count() == PAGE_SIZE
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"long-conversation-{width}-01-latest")
    page.locator(".load-older").scroll_into_view_if_needed()
    screenshot(page, f"long-conversation-{width}-02-older-control")

    # Older pages come in place of the control, oldest first, until there are none.
    while page.get_by_role("link", name="Messages précédents").count():
        before = messages.count()
        page.get_by_role("link", name="Messages précédents").click()
        messages.nth(before).wait_for(state="attached")
    assert messages.count() == shown
    ids = [int(i) for i in messages.evaluate_all("items => items.map(e => e.dataset.messageId)")]
    assert ids == sorted(ids) and len(set(ids)) == shown
    screenshot(page, f"long-conversation-{width}-03-all-loaded")

    # The quote of the first message: now in the page, the link scrolls to it.
    page.locator(".message__quote a").last.click()
    page.wait_for_url(f"**#message-{first.pk}")
    assert page.evaluate("window.__sameDocument") is True

    # Nothing new: the poll sends back its ETag and gets 304s.
    page.wait_for_timeout(9_000)
    assert any(status == 304 and etag for status, etag in polls), polls
    services.message_send(conversation=conversation, sender=corrector, content="Un message tout neuf")
    page.locator("#message-list").get_by_text("Un message tout neuf").wait_for(timeout=LIVE_DELAY_MS)
    assert page.evaluate("window.__sameDocument") is True

    # A fresh page: the quote's link opens the older page that starts with the first message.
    page.goto(url)
    page.locator(".message__quote a").last.click()
    page.wait_for_url(f"**?from={first.pk}#message-{first.pk}")
    page.locator(f"#message-{first.pk}").get_by_text("Tout premier message").wait_for()
    page.get_by_role("link", name="Revenir aux derniers messages").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"long-conversation-{width}-04-from-the-quote")


@pytest.mark.parametrize("width, height", [(390, 844), (1366, 900)])
def test_staff_inbox_pages_forward_and_back(live_server, new_page, log_in, screenshot, client_user, staff, width,
                                            height):
    for n in range(INBOX_PAGE_SIZE + 5):
        conversation = services.conversation_start_direct(client=client_user, subject=f"Question n° {n}")
        services.message_send(conversation=conversation, sender=client_user, content=f"Bonjour {n}")
    page = new_page()
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, staff.email)
    page.goto(f"{live_server.url}/messages/")
    items = page.locator(".conversation-item")
    assert items.count() == INBOX_PAGE_SIZE
    page.get_by_role("link", name="Question n° 24", exact=True).wait_for()
    page.get_by_role("link", name="Suivantes →").click()
    page.get_by_role("link", name="Question n° 0", exact=True).wait_for()
    assert items.count() == 5
    assert page.get_by_role("link", name="Suivantes →").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"staff-inbox-{width}-page-2")
    page.get_by_role("link", name="← Les plus récentes").click()
    page.get_by_role("link", name="Question n° 24", exact=True).wait_for()
