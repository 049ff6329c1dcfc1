"""A page costs a fixed number of queries, whatever the data size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import user_cache
from core.testing import CountingCache
from files.models import StoredFile
from files.services import stored_file_create
from files.validation import ATTACHMENT_KINDS
from messaging import selectors, services
from messaging.models import Message, MessageAttachment, Participant
from messaging.selectors import PAGE_SIZE

from .conftest import pdf

pytestmark = pytest.mark.django_db

INBOX_QUERIES = 9
CONVERSATION_QUERIES = 16
OLDER_PAGE_QUERIES = 6  # session, user, conversation + access, the page's ids, its messages, attachments
# The first poll after a change: session, user (cached afterwards), the poll's
# state (conversation, participants: cached until the next message or
# participant change), conversation + access, messages.
POLL_NOTHING_NEW_QUERIES = 6
POLL_NOT_MODIFIED_QUERIES = 1  # the session (none with Redis): user and poll state come from the cache


def make_direct_conversations(client_user, staff, count, start=0):
    for n in range(start, start + count):
        conversation = services.conversation_start_direct(client=client_user, subject=f"Question {n}")
        services.message_send(conversation=conversation, sender=client_user, content=f"Bonjour {n}")
        services.message_send(conversation=conversation, sender=staff, content=f"Réponse {n}", signed_as_team=n % 2)


def count_queries(client, url, **extra):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code in (200, 204)
    return len(queries)


@pytest.mark.parametrize("viewer", ["client_user", "staff"])
def test_inbox_costs_the_same_for_1_or_30_conversations(client, client_user, staff, viewer,
                                                        django_assert_max_num_queries):
    user = client_user if viewer == "client_user" else staff
    client.force_login(user)
    make_direct_conversations(client_user, staff, 1)
    one = count_queries(client, reverse("messaging:inbox"))
    make_direct_conversations(client_user, staff, 29, start=1)
    with django_assert_max_num_queries(INBOX_QUERIES):
        response = client.get(reverse("messaging:inbox"), {"q": "Bonjour"})
    assert "Question 29" in response.content.decode()
    assert count_queries(client, reverse("messaging:inbox")) == one


def add_messages(conversation, authors, count, attachments=()):
    """``count`` messages in bulk: every third replies to the conversation's
    first message, one in 50 pinned, one in 5 with an attachment."""
    first = Message.objects.filter(conversation=conversation).order_by("id").first()
    Message.objects.bulk_create([
        Message(conversation=conversation, sender=authors[n % len(authors)], content=f"Message {n}",
                parent=first if n % 3 == 0 else None, is_pinned=n % 50 == 0)
        for n in range(count)
    ])
    messages = list(Message.objects.filter(conversation=conversation).order_by("id"))
    if attachments:
        MessageAttachment.objects.bulk_create([
            MessageAttachment(message=message, stored_file=attachments[n % len(attachments)])
            for n, message in enumerate(messages[::5])
        ], ignore_conflicts=True)
    conversation.last_message = messages[-1]
    conversation.save(update_fields=["last_message"])
    return messages


def test_a_long_conversation_costs_the_same_queries_and_bytes_at_50_and_2000_messages(
        client, conversation, client_user, corrector, django_assert_max_num_queries):
    services.message_send(conversation=conversation, sender=client_user, content="Premier")
    stored = [
        stored_file_create(uploaded_file=pdf(f"{n}.pdf"), uploaded_by=client_user, role=StoredFile.Role.ATTACHMENT,
                           allowed=ATTACHMENT_KINDS)
        for n in range(3)
    ]
    add_messages(conversation, [client_user, corrector], 49, stored)
    client.force_login(corrector)
    url = reverse("messaging:conversation", args=[conversation.pk])
    with CaptureQueriesContext(connection) as small_queries:
        small = client.get(url)  # unread messages: marking them read costs the same below
    assert small.content.decode().count("data-message-id=") == PAGE_SIZE

    messages = add_messages(conversation, [client_user, corrector], 1950, stored)
    assert len(messages) == 2000
    # The composer (the draft, the files to attach) is read again too, as in the first view.
    selectors.composer_changed(conversation_id=conversation.pk, user_id=corrector.pk)
    with django_assert_max_num_queries(CONVERSATION_QUERIES), CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    html = response.content.decode()
    assert len(queries) == len(small_queries)
    assert html.count("data-message-id=") == PAGE_SIZE
    assert f'data-message-id="{messages[-1].pk}"' in html and f'data-message-id="{messages[-51].pk}"' not in html
    assert "Messages précédents" in html and f"?before={messages[-50].pk}" in html
    # Quotes of the conversation's first message, far above the page: they open the page that starts with it.
    assert f"?from={messages[0].pk}#message-{messages[0].pk}" in html
    # The page's weight does not follow the thread's length (± the longer numbers).
    assert len(response.content) < len(small.content) * 1.2


def test_the_older_page_fragment_costs_the_same_at_any_depth(client, conversation, client_user, corrector):
    services.message_send(conversation=conversation, sender=client_user, content="Premier")
    messages = add_messages(conversation, [client_user, corrector], 1999)
    client.force_login(client_user)
    url = reverse("messaging:conversation", args=[conversation.pk])
    client.get(url, {"before": messages[-1].pk}, HTTP_HX_REQUEST="true")  # reads the conversation's row into the cache
    counts = []
    for before in (messages[-50].pk, messages[1000].pk, messages[60].pk):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"before": before}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200 and "<html" not in response.content.decode()
        assert response.content.decode().count("data-message-id=") == PAGE_SIZE
        counts.append(len(queries))
    assert len(set(counts)) == 1 and counts[0] <= OLDER_PAGE_QUERIES
    assert not any(" OFFSET " in query["sql"].upper() for query in queries.captured_queries)


def poll(client, conversation, after, **headers):
    return client.get(reverse("messaging:since", args=[conversation.pk]), {"after": after},
                      HTTP_HX_REQUEST="true", **headers)


def test_poll_answers_304_when_nothing_changed_since_its_etag(client, conversation, client_user, corrector,
                                                             django_assert_max_num_queries):
    last = services.message_send(conversation=conversation, sender=client_user, content="Bonjour")
    client.force_login(corrector)
    # "At most": with Redis the session comes from the cache, one query fewer.
    with django_assert_max_num_queries(POLL_NOTHING_NEW_QUERIES):
        first = poll(client, conversation, last.pk)
    assert first.status_code == 200 and not first.content.strip() and first["ETag"]
    assert "no-store" in first["Cache-Control"]  # no copy of a message on the browser's disk

    with django_assert_max_num_queries(POLL_NOT_MODIFIED_QUERIES):
        second = poll(client, conversation, last.pk, HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 304 and not second.content and second["ETag"] == first["ETag"]

    new = services.message_send(conversation=conversation, sender=client_user, content="Vous êtes là ?")
    third = poll(client, conversation, last.pk, HTTP_IF_NONE_MATCH=first["ETag"])
    assert third.status_code == 200 and f'data-message-id="{new.pk}"' in third.content.decode()
    assert third["ETag"] != first["ETag"]
    # The next cursor has its own answer: nothing new, then 304 again.
    fourth = poll(client, conversation, new.pk, HTTP_IF_NONE_MATCH=third["ETag"])
    assert fourth.status_code == 200 and not fourth.content.strip()
    assert poll(client, conversation, new.pk, HTTP_IF_NONE_MATCH=fourth["ETag"]).status_code == 304


def test_unchanged_polls_read_the_cache_once_beyond_the_session(client, conversation, client_user, corrector,
                                                                 monkeypatch):
    """The session's user with the conversation's poll state, or with the
    badge's token, in one MGET (core.user_cache.read_ahead)."""
    last = services.message_send(conversation=conversation, sender=client_user, content="Bonjour")
    client.force_login(corrector)
    poll_etag = poll(client, conversation, last.pk)["ETag"]
    badge_etag = client.get(reverse("messaging:unread_badge"))["ETag"]
    counting = CountingCache.on(user_cache, monkeypatch)
    assert poll(client, conversation, last.pk, HTTP_IF_NONE_MATCH=poll_etag).status_code == 304
    assert client.get(reverse("messaging:unread_badge"), HTTP_IF_NONE_MATCH=badge_etag).status_code == 304
    assert counting.calls == ["get_many", "get_many"]


def test_poll_forgets_a_reader_who_left(client, conversation, client_user, corrector):
    """The poll's cached access check goes with the participant row: a
    replaced corrector's open tab gets 404, not 304."""
    last = services.message_send(conversation=conversation, sender=client_user, content="Bonjour")
    client.force_login(corrector)
    etag = poll(client, conversation, last.pk)["ETag"]
    assert poll(client, conversation, last.pk, HTTP_IF_NONE_MATCH=etag).status_code == 304
    Participant.objects.filter(conversation=conversation, user=corrector).delete()
    assert poll(client, conversation, last.pk, HTTP_IF_NONE_MATCH=etag).status_code == 404


def test_poll_costs_the_same_in_a_2000_message_conversation(client, conversation, client_user, corrector):
    last = services.message_send(conversation=conversation, sender=client_user, content="Bonjour")
    client.force_login(corrector)
    client.get(reverse("messaging:unread_badge"))  # the session's user is cached from here on, as in "big"
    with CaptureQueriesContext(connection) as small:
        etag = poll(client, conversation, last.pk)["ETag"]
        poll(client, conversation, last.pk, HTTP_IF_NONE_MATCH=etag)
    last = add_messages(conversation, [client_user], 1999)[-1]
    with CaptureQueriesContext(connection) as big:
        etag = poll(client, conversation, last.pk)["ETag"]
        assert poll(client, conversation, last.pk, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert len(big) == len(small)


def test_poll_etag_of_another_conversation_or_user_is_no_shortcut(client, conversation, direct, client_user,
                                                                  other_client):
    """The 304 comes after the access check: an outsider gets 404 whatever
    ETag they send."""
    last = services.message_send(conversation=conversation, sender=client_user, content="Bonjour")
    client.force_login(client_user)
    etag = poll(client, conversation, last.pk)["ETag"]
    client.force_login(other_client)
    assert poll(client, conversation, last.pk, HTTP_IF_NONE_MATCH=etag).status_code == 404


def test_unread_badge_is_one_query(client, conversation, client_user, corrector, django_assert_max_num_queries):
    services.message_send(conversation=conversation, sender=client_user, content="Bonjour")
    client.force_login(corrector)
    with django_assert_max_num_queries(3):  # session (none with Redis), user, the count
        response = client.get(reverse("messaging:unread_badge"))
    assert ">1<" in response.content.decode()


def test_staff_inbox_pages_by_keyset_without_counting_every_conversation(client, client_user, staff):
    make_direct_conversations(client_user, staff, 45)
    client.force_login(staff)
    seen, after, counts = [], "", []
    while True:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("messaging:inbox"), {"after": after} if after else {})
        counts.append(len(queries))
        assert not any(q["sql"].upper().startswith("SELECT COUNT(") for q in queries.captured_queries)
        assert not any(" OFFSET " in q["sql"].upper() for q in queries.captured_queries)
        seen += [c.pk for c in response.context["conversations"]]
        after = response.context["next_cursor"]
        if not after:
            break
    assert len(counts) == 3 and len(set(counts)) == 1
    assert len(seen) == len(set(seen)) == 45
    assert "Suivantes" not in response.content.decode() and "Les plus récentes" in response.content.decode()
