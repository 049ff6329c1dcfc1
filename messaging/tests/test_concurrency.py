"""Requests racing on the same conversation (needs a server database)."""

import pytest

from core.testing import run_in_threads, server_database_only
from messaging import services
from messaging.models import Conversation, Message, Participant

pytestmark = [pytest.mark.django_db(transaction=True), server_database_only]


def test_concurrent_get_or_create_makes_one_order_conversation(working_order):
    results, errors = run_in_threads(
        range(4), lambda _: services.conversation_for_order(order=working_order).pk, threads=4
    )
    assert errors == [] and len(set(results)) == 1
    assert Conversation.objects.filter(order=working_order).count() == 1
    assert Participant.objects.filter(conversation_id=results[0]).count() == 2


def test_concurrent_sends_keep_ids_in_sending_order(working_order, client_user, corrector):
    conversation = services.conversation_for_order(order=working_order)
    senders = [client_user, corrector] * 4
    _results, errors = run_in_threads(
        senders, lambda sender: services.message_send(conversation=conversation, sender=sender, content="Hop"),
        threads=4,
    )
    assert errors == []
    conversation.refresh_from_db()
    assert conversation.last_message_id == Message.objects.latest("id").pk
