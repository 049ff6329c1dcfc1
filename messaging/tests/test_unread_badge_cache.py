"""The Messages badge is polled by every open tab (issue 13): its count stays
in the cache until a message reaches the user or they read, and a poll that
sends back the ETag of its last answer gets a 304 without counting again."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import CorrectorFactory
from messaging import services

pytestmark = pytest.mark.django_db


def badge(client, etag=None):
    headers = {"HX-Request": "true", **({"If-None-Match": etag} if etag else {})}
    return client.get(reverse("messaging:unread_badge"), headers=headers)


def no_message_read(queries):
    """Only the session (from the database without Redis) and its user."""
    assert len(queries) <= 2
    assert not any("messaging_" in q["sql"] for q in queries.captured_queries)


def test_unchanged_badge_answers_304_then_counts_again_after_a_message(client, conversation, client_user, corrector):
    services.message_send(conversation=conversation, sender=client_user, content="Bonjour")
    client.force_login(corrector)
    first = badge(client)
    assert first.status_code == 200 and first.context["unread"] == 1
    with CaptureQueriesContext(connection) as queries:
        again = badge(client, first["ETag"])
    assert again.status_code == 304 and again.content == b""
    no_message_read(queries)
    services.message_send(conversation=conversation, sender=client_user, content="Encore moi")
    after = badge(client, first["ETag"])
    assert after.status_code == 200 and after.context["unread"] == 2


@pytest.mark.parametrize("rows", [1, 30])
def test_cached_badge_costs_the_same_whatever_the_rows(client, conversation, client_user, corrector, rows):
    for n in range(rows):
        services.message_send(conversation=conversation, sender=client_user, content=f"Message {n}")
    client.force_login(corrector)
    badge(client)
    with CaptureQueriesContext(connection) as queries:
        response = badge(client)
    assert response.context["unread"] == rows
    no_message_read(queries)


def test_reading_the_conversation_clears_the_badge(client, conversation, client_user, corrector):
    services.message_send(conversation=conversation, sender=client_user, content="Bonjour")
    client.force_login(corrector)
    before = badge(client)
    assert before.context["unread"] == 1
    client.get(reverse("messaging:conversation", args=[conversation.pk]))
    after = badge(client, before["ETag"])
    assert after.status_code == 200 and after.context["unread"] == 0


def test_replying_marks_the_senders_badge_read_too(client, conversation, client_user, corrector):
    services.message_send(conversation=conversation, sender=client_user, content="Bonjour")
    client.force_login(corrector)
    before = badge(client)
    services.message_send(conversation=conversation, sender=corrector, content="Je regarde")
    after = badge(client, before["ETag"])
    assert after.status_code == 200 and after.context["unread"] == 0


def test_a_corrector_replaced_on_the_order_loses_its_badge_count(client, conversation, working_order, client_user,
                                                                corrector):
    from orders.models import Order

    services.message_send(conversation=conversation, sender=client_user, content="Bonjour")
    client.force_login(corrector)
    before = badge(client)
    assert before.context["unread"] == 1
    Order.objects.filter(pk=working_order.pk).update(corrector=CorrectorFactory())
    working_order.refresh_from_db()
    services.conversation_sync_order_participants(order=working_order)
    after = badge(client, before["ETag"])
    assert after.status_code == 200 and after.context["unread"] == 0


def test_a_message_to_others_leaves_my_badge_cached(client, conversation, direct, client_user, corrector):
    client.force_login(corrector)
    before = badge(client)
    services.message_send(conversation=direct, sender=client_user, content="À l'équipe")
    assert badge(client, before["ETag"]).status_code == 304
