"""The conversation page as it opens (latest messages, pinned ones,
participants) comes from the cache per conversation until something it shows
is written (messaging.selectors.latest_page, issue 13)."""

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import AdminFactory
from files.tests.factories import StoredFileFactory
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


def composer(client, conversation, query=""):
    html = page_with(client, conversation, query).content.decode()
    return html[html.index('id="message-form"'):]


def page_with(client, conversation, query):
    response = client.get(reverse("messaging:conversation", args=[conversation.pk]) + query)
    assert response.status_code == 200
    return response


def client_token(markup):
    return re.search(r'name="client_token" value="([^"]+)"', markup).group(1)


def test_a_second_view_reads_neither_draft_nor_files(client, conversation, client_user):
    client.force_login(client_user)
    page(client, conversation)
    page(client, conversation)
    with CaptureQueriesContext(connection) as queries:
        page(client, conversation)
    read = [q["sql"] for q in queries.captured_queries]
    assert not [sql for sql in read if "draft_slot" in sql or "FROM `files`" in sql.replace('"', "`")]


def test_each_view_has_its_own_client_token(client, conversation, client_user):
    """One form posted twice is one message; two views are two forms."""
    client.force_login(client_user)
    first, second = client_token(composer(client, conversation)), client_token(composer(client, conversation))
    assert first != second and uuid.UUID(first) and uuid.UUID(second)


def test_a_saved_draft_shows_at_once_and_leaves_once_sent(client, conversation, client_user):
    client.force_login(client_user)
    assert "Mon brouillon" not in composer(client, conversation)
    services.message_save_draft(conversation=conversation, sender=client_user, content="Mon brouillon ✏️")
    assert "Mon brouillon ✏️" in composer(client, conversation)
    services.message_send(conversation=conversation, sender=client_user, content="Mon brouillon ✏️")
    assert "Mon brouillon ✏️" not in composer(client, conversation)


def test_a_new_file_of_the_viewers_is_offered_at_once(client, conversation, client_user):
    client.force_login(client_user)
    assert "Chapitre 2.pdf" not in composer(client, conversation)
    StoredFileFactory(uploaded_by=client_user, order=conversation.order, original_name="Chapitre 2.pdf")
    assert "Chapitre 2.pdf" in composer(client, conversation)


def test_a_reply_link_opens_the_composer_answering_it(client, conversation, client_user, corrector):
    message = services.message_send(conversation=conversation, sender=corrector, content="Une question ?")
    client.force_login(client_user)
    composer(client, conversation)  # kept as it opens
    answering = composer(client, conversation, f"?reply_to={message.pk}")
    assert f'name="parent" value="{message.pk}"' in answering and "data-reply-banner hidden" not in answering
    assert 'name="parent" value=' not in composer(client, conversation).split("client_token")[0]
