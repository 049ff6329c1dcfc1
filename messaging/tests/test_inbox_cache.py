"""An inbox as usually opened (no search, first page) comes from the cache
under the user's Messages badge token (for staff, also a version of every
conversation): every message, read mark, archive toggle or participant change
shows at the next view (issue 13)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import CorrectorFactory
from messaging import services
from orders import services as order_services

pytestmark = pytest.mark.django_db


def inbox(client, query=""):
    return client.get(reverse("messaging:inbox") + query)


def subjects(response):
    return [conversation.subject for conversation in response.context["conversations"]]


def test_a_second_look_reads_no_conversation(client, client_user, direct):
    client.force_login(client_user)
    inbox(client)
    with CaptureQueriesContext(connection) as queries:
        response = inbox(client)
    assert not [query for query in queries if "messaging_" in query["sql"]]
    assert direct.subject in response.content.decode()


def test_a_message_and_a_read_mark_show_at_once(client, client_user, staff, direct):
    client.force_login(client_user)
    inbox(client)
    services.message_send(conversation=direct, sender=staff, content="Réponse de l'équipe ✉️")
    after_message = inbox(client)
    assert [c.unread for c in after_message.context["conversations"]] == [1]
    assert "Réponse de l&#x27;équipe ✉️" in after_message.content.decode()
    services.conversation_mark_read(conversation=direct, user=client_user)
    assert [c.unread for c in inbox(client).context["conversations"]] == [0]


def test_an_archived_conversation_leaves_the_inbox_at_once(client, client_user, direct):
    """The archive flag is a bare UPDATE: the service renews the token itself."""
    client.force_login(client_user)
    assert subjects(inbox(client)) == [direct.subject]
    services.conversation_archive(conversation=direct, user=client_user, archived=True)
    assert subjects(inbox(client)) == []
    assert subjects(inbox(client, "?archived=1")) == [direct.subject]


def test_a_new_corrector_is_named_in_the_clients_inbox_at_once(client, client_user, staff, conversation,
                                                                django_capture_on_commit_callbacks):
    client.force_login(client_user)
    inbox(client)
    newcomer = CorrectorFactory(first_name="Colette", last_name="Nouvelle")
    with django_capture_on_commit_callbacks(execute=True):  # the assignment's announcement moves the participants
        order_services.order_assign_corrector(order=conversation.order, corrector=newcomer, by=staff)
    names = [p.user_id for c in inbox(client).context["conversations"] for p in c.participants.all()]
    assert newcomer.pk in names


def test_the_staff_inbox_follows_every_conversation(client, client_user, staff, direct):
    """Staff read every conversation: theirs follows any conversation written."""
    client.force_login(staff)
    inbox(client)
    with CaptureQueriesContext(connection) as queries:
        inbox(client)
    assert not [query for query in queries if "messaging_" in query["sql"]]
    services.conversation_start_direct(client=client_user, subject="Une autre question")
    assert "Une autre question" in subjects(inbox(client))
    services.message_send(conversation=direct, sender=client_user, content="Une relance 🔔")
    assert "Une relance 🔔" in inbox(client).content.decode()

