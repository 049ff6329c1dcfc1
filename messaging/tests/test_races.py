"""Standing suite (issue 8): 20 simultaneous submits of every messaging
button -> one effect. Real POSTs through the views, each from its own
logged-in browser and database connection. Needs row locks: MariaDB in CI."""

import uuid

import pytest
from django.urls import reverse

from core.testing import server_database_only, submit_all
from files.models import StoredFile
from messaging import services
from messaging.models import Conversation, Message, MessageAttachment
from notifications.models import Notification

from .conftest import pdf

pytestmark = [pytest.mark.django_db(transaction=True), server_database_only]


def test_one_compose_form_sent_20_times_posts_one_message(conversation, client_user, corrector):
    token = str(uuid.uuid4())
    url = reverse("messaging:send", args=[conversation.pk])
    responses = submit_all(client_user, url, lambda: {"content": "Voici le chapitre 3", "client_token": token})

    sent = Message.objects.filter(conversation=conversation, content="Voici le chapitre 3")
    assert sent.count() == 1
    message = sent.get()
    # Every click lands on the same message (a silent same-result redirect).
    assert {r["Location"] for r in responses} == {f"{reverse('messaging:conversation', args=[conversation.pk])}"
                                                  f"#message-{message.pk}"}
    # The corrector hears about it once.
    assert Notification.objects.filter(user=corrector, data__message_id=message.pk).count() == 1


def test_one_compose_form_with_a_file_sent_20_times_stores_the_file_once(conversation, client_user):
    token = str(uuid.uuid4())
    url = reverse("messaging:send", args=[conversation.pk])
    submit_all(client_user, url, lambda: {"content": "En pièce jointe", "client_token": token,
                                          "attachments": pdf("annexe.pdf")})

    message = Message.objects.get(conversation=conversation, content="En pièce jointe")
    assert MessageAttachment.objects.filter(message__conversation=conversation).count() == 1
    assert message.attachments.count() == 1
    # The copies of the refused submits are not kept (nor counted in the quota).
    available = StoredFile.objects.available().filter(original_name="annexe.pdf")
    assert available.count() == 1


def test_two_compose_forms_post_two_messages(conversation, client_user):
    """The token is per form: the same text sent twice on purpose is two messages."""
    url = reverse("messaging:send", args=[conversation.pk])
    for token in (str(uuid.uuid4()), str(uuid.uuid4())):
        submit_all(client_user, url, lambda token=token: {"content": "Merci !", "client_token": token}, times=2)
    assert Message.objects.filter(conversation=conversation, content="Merci !").count() == 2


def test_writing_to_the_team_20_times_opens_one_conversation(client_user):
    before = Conversation.objects.filter(created_by=client_user).count()
    token = str(uuid.uuid4())
    responses = submit_all(client_user, reverse("messaging:start"),
                           lambda: {"subject": "Délais", "content": "Quel délai pour 300 pages ?", "client_token": token})

    started = Conversation.objects.filter(created_by=client_user).exclude(subject=str(services.WELCOME_SUBJECT))
    assert Conversation.objects.filter(created_by=client_user).count() == before + 1
    conversation = started.get()
    assert Message.objects.filter(conversation=conversation).count() == 1
    assert {r["Location"] for r in responses} == {reverse("messaging:conversation", args=[conversation.pk])}


def test_writing_to_a_client_20_times_opens_one_conversation(client_user, staff):
    token = str(uuid.uuid4())
    responses = submit_all(staff, reverse("messaging:start_with_client"), lambda: {
        "client": str(client_user.pk), "subject": "Votre manuscrit", "content": "Bonjour, une question.",
        "client_token": token,
    })

    conversation = Conversation.objects.get(created_by=staff)
    assert Message.objects.filter(conversation=conversation).count() == 1
    assert {r["Location"] for r in responses} == {reverse("messaging:conversation", args=[conversation.pk])}
    # The client hears about it once.
    assert Notification.objects.filter(user=client_user, data__conversation_id=str(conversation.pk)).count() == 1


def test_draft_saved_20_times_is_one_draft(conversation, client_user):
    url = reverse("messaging:draft", args=[conversation.pk])
    responses = submit_all(client_user, url, lambda: {"content": "Je voulais vous dire"})
    assert {r.status_code for r in responses} == {200}
    drafts = Message.objects.filter(conversation=conversation, sender=client_user, status=Message.Status.BROUILLON)
    assert list(drafts.values_list("content", flat=True)) == ["Je voulais vous dire"]


@pytest.mark.parametrize("pinned", [True, False])
def test_pin_pressed_20_times_sets_one_state(conversation, client_user, corrector, pinned):
    message = services.message_send(conversation=conversation, sender=corrector, content="À garder")
    services.message_pin(message=message, by=corrector, pinned=not pinned)
    url = reverse("messaging:pin", args=[conversation.pk, message.pk])
    responses = submit_all(client_user, url, lambda: {"pinned": "1" if pinned else "0"})
    assert {r.status_code for r in responses} == {302}
    message.refresh_from_db()
    assert message.is_pinned is pinned


@pytest.mark.parametrize("archived", [True, False])
def test_archive_pressed_20_times_sets_one_state(conversation, client_user, archived):
    services.conversation_archive(conversation=conversation, user=client_user, archived=not archived)
    url = reverse("messaging:archive", args=[conversation.pk])
    responses = submit_all(client_user, url, lambda: {"archived": "1" if archived else "0"})
    assert {r.status_code for r in responses} == {302}
    assert conversation.participants.get(user=client_user).archived is archived
