"""Keyset pages: a conversation shows its latest PAGE_SIZE messages and loads
older pages by message id; the staff inbox pages by (last activity, id)."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from messaging import services
from messaging.models import Conversation, Message, Participant
from messaging.selectors import PAGE_SIZE

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def fill(conversation, authors, count):
    Message.objects.bulk_create([
        Message(conversation=conversation, sender=authors[n % len(authors)], content=f"Message {n}")
        for n in range(count)
    ])
    messages = list(Message.objects.filter(conversation=conversation).order_by("id"))
    Conversation.objects.filter(pk=conversation.pk).update(last_message=messages[-1])
    return messages


def shown_ids(response):
    return [int(pk) for pk in re.findall(r'data-message-id="(\d+)"', response.content.decode())]


@pytest.mark.parametrize("count, has_older", [(PAGE_SIZE, False), (PAGE_SIZE + 1, True)])
def test_the_page_boundary(client, conversation, client_user, corrector, count, has_older):
    messages = fill(conversation, [client_user, corrector], count)
    client.force_login(client_user)
    url = reverse("messaging:conversation", args=[conversation.pk])
    response = client.get(url)
    assert shown_ids(response) == [m.pk for m in messages[-PAGE_SIZE:]]
    assert ("Messages précédents" in response.content.decode()) is has_older
    if has_older:
        older = client.get(url, {"before": messages[-PAGE_SIZE].pk}, **HTMX)
        assert shown_ids(older) == [messages[0].pk]
        assert "Messages précédents" not in older.content.decode()


def test_walking_back_meets_every_message_once_in_order(client, conversation, client_user, corrector):
    messages = fill(conversation, [client_user, corrector], 2 * PAGE_SIZE + 7)
    Message.objects.create(conversation=conversation, sender=client_user, content="brouillon",
                           status=Message.Status.BROUILLON, draft_slot=True)
    client.force_login(corrector)
    url = reverse("messaging:conversation", args=[conversation.pk])
    response = client.get(url)
    collected = shown_ids(response)
    while response.context.get("has_older"):
        response = client.get(url, {"before": collected[0]}, **HTMX)
        collected = shown_ids(response) + collected
        # The fragment replaces the control: the next control, then the messages.
        html = response.content.decode()
        assert "<html" not in html and 'id="message-list"' not in html
    assert collected == [m.pk for m in messages]


def test_the_live_page_marks_read_the_older_pages_do_not(client, conversation, client_user, corrector):
    messages = fill(conversation, [client_user], PAGE_SIZE * 2)
    client.force_login(corrector)
    url = reverse("messaging:conversation", args=[conversation.pk])
    client.get(url, {"before": messages[PAGE_SIZE].pk})
    client.get(url, {"from": messages[3].pk})
    participant = Participant.objects.get(conversation=conversation, user=corrector)
    assert participant.last_read_message_id == 0
    live = client.get(url).content.decode()
    assert "data-poller" in live and 'id="message-form"' in live
    participant.refresh_from_db()
    assert participant.last_read_message_id == messages[-1].pk


def test_a_link_to_an_old_message_opens_the_page_that_starts_with_it(client, conversation, client_user, corrector):
    first = services.message_send(conversation=conversation, sender=client_user, content="La toute première")
    middle = fill(conversation, [client_user, corrector], PAGE_SIZE * 3)
    reply = services.message_send(conversation=conversation, sender=corrector, content="Je réponds", parent=first)
    client.force_login(client_user)
    url = reverse("messaging:conversation", args=[conversation.pk])
    live = client.get(url).content.decode()
    link = f"{url}?from={first.pk}#message-{first.pk}"
    assert f'href="{link}"' in live

    page = client.get(url, {"from": first.pk})
    html = page.content.decode()
    assert shown_ids(page)[0] == first.pk and len(shown_ids(page)) == PAGE_SIZE
    assert "Messages précédents" not in html  # nothing older than the first message
    assert "Messages suivants" in html and f"?from={shown_ids(page)[-1] + 1}" in html
    assert "Revenir aux derniers messages" in html
    assert "data-poller" not in html and 'id="message-form"' not in html
    # In that page, a quote of a message it shows is an anchor.
    assert reply.pk not in shown_ids(page)
    later = client.get(url, {"from": middle[-PAGE_SIZE + 1].pk})  # up to the reply
    assert reply.pk in shown_ids(later) and f'href="#message-{first.pk}"' not in later.content.decode()
    assert "Messages précédents" in later.content.decode() and "Messages suivants" not in later.content.decode()


def test_a_quote_of_a_message_in_the_page_stays_an_anchor(client, conversation, client_user, corrector):
    question = services.message_send(conversation=conversation, sender=client_user, content="Question")
    services.message_send(conversation=conversation, sender=corrector, content="Réponse", parent=question)
    client.force_login(client_user)
    html = client.get(reverse("messaging:conversation", args=[conversation.pk])).content.decode()
    assert f'href="#message-{question.pk}" data-message-link="{question.pk}"' in html


def test_reply_to_an_older_message_still_fills_the_form(client, conversation, client_user, corrector):
    old = services.message_send(conversation=conversation, sender=client_user, content="Ancienne question")
    fill(conversation, [corrector], PAGE_SIZE + 5)
    client.force_login(corrector)
    page = client.get(reverse("messaging:conversation", args=[conversation.pk]), {"reply_to": old.pk})
    assert old.pk not in shown_ids(page)
    assert f'name="parent" value="{old.pk}"' in page.content.decode()


def test_pinning_an_old_message_comes_back_to_the_page_that_shows_it(client, conversation, client_user, corrector):
    old = services.message_send(conversation=conversation, sender=client_user, content="À garder")
    fill(conversation, [corrector], PAGE_SIZE + 5)
    recent = Message.objects.filter(conversation=conversation).latest("id")
    client.force_login(client_user)
    url = reverse("messaging:conversation", args=[conversation.pk])
    response = client.post(reverse("messaging:pin", args=[conversation.pk, old.pk]), {"pinned": "1"})
    assert response["Location"] == f"{url}?from={old.pk}#message-{old.pk}"
    response = client.post(reverse("messaging:pin", args=[conversation.pk, recent.pk]), {"pinned": "1"})
    assert response["Location"] == f"{url}#message-{recent.pk}"
    # The pinned list links each to where it shows.
    html = client.get(url).content.decode()
    assert f'href="{url}?from={old.pk}#message-{old.pk}"' in html and f'href="#message-{recent.pk}"' in html


@pytest.mark.parametrize("params", [{"before": "1"}, {"from": "1"}, {"before": "abc"}, {"from": "x"}])
def test_older_pages_answer_404_to_outsiders_and_shrug_off_junk(client, conversation, client_user, other_client,
                                                              params):
    services.message_send(conversation=conversation, sender=client_user, content="Bonjour")
    url = reverse("messaging:conversation", args=[conversation.pk])
    client.force_login(other_client)
    assert client.get(url, params).status_code == 404
    assert client.get(url, params, **HTMX).status_code == 404
    client.force_login(client_user)
    assert client.get(url, params).status_code == 200
    assert client.get(url, params, **HTMX).status_code == 200


def test_inbox_keyset_keeps_conversations_with_the_same_last_activity(client, client_user, staff):
    """Ties on last_message_at across a page boundary: the id decides, none
    is shown twice or skipped."""
    conversations = [services.conversation_start_direct(client=client_user, subject=f"Sujet {n}")
                     for n in range(45)]
    same_time = timezone.now()
    Conversation.objects.filter(pk__in=[c.pk for c in conversations]).update(last_message_at=same_time)
    client.force_login(staff)
    seen, after = [], ""
    for _page in range(5):
        response = client.get(reverse("messaging:inbox"), {"after": after} if after else {})
        seen += [c.pk for c in response.context["conversations"]]
        after = response.context["next_cursor"]
        if not after:
            break
    assert sorted(seen) == sorted(c.pk for c in conversations) and len(seen) == len(set(seen))


def test_inbox_junk_cursor_is_the_first_page(client, client_user, staff):
    services.conversation_start_direct(client=client_user, subject="Une question")
    client.force_login(staff)
    for junk in ("abc", "12.zz", "1.2.3", "99999999999999999999999.00000000000000000000000000000000"):
        response = client.get(reverse("messaging:inbox"), {"after": junk})
        assert response.status_code == 200
