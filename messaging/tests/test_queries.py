"""A page costs a fixed number of queries, whatever the data size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from files.models import StoredFile
from files.services import stored_file_create
from files.validation import ATTACHMENT_KINDS
from messaging import services
from messaging.models import Message, MessageAttachment

from .conftest import pdf

pytestmark = pytest.mark.django_db

INBOX_QUERIES = 9
CONVERSATION_QUERIES = 16
POLL_NOTHING_NEW_QUERIES = 4  # session, user, conversation + access, messages


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


def test_a_200_message_conversation_costs_a_fixed_number_of_queries(client, conversation, client_user, corrector,
                                                                   django_assert_max_num_queries):
    services.message_send(conversation=conversation, sender=client_user, content="Premier")
    client.force_login(corrector)
    url = reverse("messaging:conversation", args=[conversation.pk])
    small = count_queries(client, url)

    stored = [
        stored_file_create(uploaded_file=pdf(f"{n}.pdf"), uploaded_by=client_user, role=StoredFile.Role.ATTACHMENT,
                           allowed=ATTACHMENT_KINDS)
        for n in range(3)
    ]
    first = Message.objects.get()
    Message.objects.bulk_create([
        Message(conversation=conversation, sender=client_user if n % 2 else corrector, content=f"Message {n}",
                parent=first if n % 3 == 0 else None, is_pinned=n % 50 == 0)
        for n in range(199)
    ])
    messages = list(Message.objects.order_by("id"))
    MessageAttachment.objects.bulk_create([
        MessageAttachment(message=message, stored_file=stored[n % 3]) for n, message in enumerate(messages[::5])
    ])
    conversation.last_message = messages[-1]
    conversation.save(update_fields=["last_message"])

    with django_assert_max_num_queries(CONVERSATION_QUERIES), CaptureQueriesContext(connection) as queries:
        response = client.get(url)  # unread messages again: marking them read costs the same
    assert response.content.decode().count("data-message-id=") == 200
    assert response.content.decode().count('class="message__quote') == 67
    assert response.content.decode().count("/messages/attachments/") == 40
    assert len(queries) == small


def test_poll_with_nothing_new_is_one_query_after_the_access_check(client, conversation, client_user, corrector,
                                                                 django_assert_max_num_queries):
    last = services.message_send(conversation=conversation, sender=client_user, content="Bonjour")
    client.force_login(corrector)
    # "At most": with Redis the session comes from the cache, one query fewer.
    with django_assert_max_num_queries(POLL_NOTHING_NEW_QUERIES):
        response = client.get(reverse("messaging:since", args=[conversation.pk]), {"after": last.pk})
    assert response.status_code == 204


def test_unread_badge_is_one_query(client, conversation, client_user, corrector, django_assert_max_num_queries):
    services.message_send(conversation=conversation, sender=client_user, content="Bonjour")
    client.force_login(corrector)
    with django_assert_max_num_queries(3):  # session (none with Redis), user, the count
        response = client.get(reverse("messaging:unread_badge"))
    assert ">1<" in response.content.decode()
