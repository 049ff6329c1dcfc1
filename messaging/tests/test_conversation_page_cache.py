"""The conversation page as it opens (latest messages, pinned ones,
participants) comes from the cache per conversation until something it shows
is written (messaging.selectors.latest_page, issue 13)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import AdminFactory
from messaging import services
from messaging.models import Participant

pytestmark = pytest.mark.django_db


def page(client, conversation):
    response = client.get(reverse("messaging:conversation", args=[conversation.pk]))
    assert response.status_code == 200
    return response


def test_a_second_view_reads_no_message_and_writes_no_read_mark(client, conversation, client_user, corrector):
    services.message_send(conversation=conversation, sender=corrector, content="Bonjour 👋")
    client.force_login(client_user)
    page(client, conversation)
    with CaptureQueriesContext(connection) as queries:
        response = page(client, conversation)
    read = [query["sql"] for query in queries.captured_queries]
    assert not [sql for sql in read if "messaging_message" in sql and "draft_slot" not in sql]
    assert not [sql for sql in read if "UPDATE" in sql or "FOR UPDATE" in sql]
    assert "Bonjour 👋" in response.content.decode()


def test_a_new_message_shows_at_once_and_is_marked_read(client, conversation, client_user, corrector):
    client.force_login(client_user)
    page(client, conversation)
    message = services.message_send(conversation=conversation, sender=corrector, content="Nouveau ✉️")
    assert "Nouveau ✉️" in page(client, conversation).content.decode()
    participant = conversation.participants.get(user=client_user)
    assert participant.last_read_message_id == message.pk


def test_a_pinned_message_shows_at_once(client, conversation, client_user, corrector):
    """Pinning is a bare UPDATE: message_pin renews the page itself."""
    message = services.message_send(conversation=conversation, sender=corrector, content="À garder")
    client.force_login(client_user)
    assert "Messages épinglés" not in page(client, conversation).content.decode()
    services.message_pin(message=message, by=client_user)
    pinned = page(client, conversation).content.decode().split('id="message-list"')[0]
    assert f'data-message-link="{message.pk}"' in pinned


def test_someone_joining_is_named_at_once(client, conversation, client_user):
    client.force_login(client_user)
    assert "l'équipe Staka Livres" not in page(client, conversation).context["others"]
    services.conversation_join(conversation=conversation, user=AdminFactory(first_name="Gaëlle"))
    assert "l'équipe Staka Livres" in page(client, conversation).context["others"]


def test_a_second_view_reads_no_conversation_row(client, conversation, client_user, corrector):
    services.message_send(conversation=conversation, sender=corrector, content="Bonjour")
    client.force_login(client_user)
    page(client, conversation)  # marks read: the row is read again once
    page(client, conversation)
    with CaptureQueriesContext(connection) as queries:
        page(client, conversation)
    assert not [q for q in queries.captured_queries if "FROM `messaging_conversation`" in q["sql"].replace('"', "`")]


def test_a_reader_who_left_gets_a_404_at_once(client, conversation, corrector):
    client.force_login(corrector)
    page(client, conversation)
    Participant.objects.filter(conversation=conversation, user=corrector).delete()  # replaced on the order
    assert client.get(reverse("messaging:conversation", args=[conversation.pk])).status_code == 404


def test_the_archive_button_follows_the_flag_at_once(client, conversation, client_user):
    """The flag is a bare UPDATE: conversation_archive renews the viewer's token."""
    client.force_login(client_user)
    assert "Archiver" in page(client, conversation).content.decode()
    services.conversation_archive(conversation=conversation, user=client_user, archived=True)
    assert "Désarchiver" in page(client, conversation).content.decode()


def test_a_renamed_conversation_shows_its_new_subject_at_once(client, conversation, client_user):
    client.force_login(client_user)
    page(client, conversation)
    conversation.subject = "Nouveau titre ✍️"
    conversation.save()  # the admin's change form
    assert "Nouveau titre ✍️" in page(client, conversation).content.decode()
