from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.tests.factories import UserFactory
from files.models import StoredFile
from files.services import stored_file_create
from files.validation import ATTACHMENT_KINDS
from messaging import selectors, services
from messaging.models import Conversation, Message, MessageAttachment, Participant
from messaging.services import MessagingError
from notifications.models import Notification

from .conftest import exe_named_pdf, pdf

pytestmark = pytest.mark.django_db


def message_emails(user):
    return [m for m in mail.outbox if m.to == [user.email] and "Nouveau message" in m.subject]


def team_emails(user):
    return [m for m in mail.outbox if m.to == [user.email] and "Un client attend une réponse" in m.subject]


# --- Conversations -------------------------------------------------------------

def test_order_conversation_is_created_once_with_client_and_corrector(working_order, client_user, corrector):
    first = services.conversation_for_order(order=working_order)
    again = services.conversation_for_order(order=working_order)
    assert first.pk == again.pk
    assert first.kind == Conversation.Kind.ORDER and first.subject == working_order.title
    assert set(first.participants.values_list("user_id", flat=True)) == {client_user.pk, corrector.pk}
    assert Conversation.objects.filter(order=working_order).count() == 1


def test_the_database_refuses_a_second_conversation_for_an_order(conversation, working_order):
    with pytest.raises(IntegrityError), transaction.atomic():
        Conversation.objects.create(kind=Conversation.Kind.ORDER, subject="Doublon", order=working_order)


def test_order_without_corrector_has_only_the_client(make_order, client_user):
    conversation = services.conversation_for_order(order=make_order())
    assert list(conversation.participants.values_list("user_id", flat=True)) == [client_user.pk]


def test_sync_adds_the_new_corrector_and_removes_the_replaced_one(conversation, working_order, corrector,
                                                                   other_corrector, staff, client_user):
    services.message_send(conversation=conversation, sender=staff, content="Je suis l'échange.")
    services.message_send(conversation=conversation, sender=corrector, content="Je commence.")
    type(working_order).objects.filter(pk=working_order.pk).update(corrector=other_corrector)
    working_order.refresh_from_db()
    services.conversation_sync_order_participants(order=working_order)
    members = set(conversation.participants.values_list("user_id", flat=True))
    # The staff member who joined by posting stays; the old corrector's messages stay too.
    assert members == {client_user.pk, other_corrector.pk, staff.pk}
    assert Message.objects.filter(conversation=conversation, sender=corrector).exists()


def test_only_clients_start_a_direct_conversation(client_user, corrector):
    conversation = services.conversation_start_direct(client=client_user, subject="  Délais  ")
    assert conversation.kind == Conversation.Kind.DIRECT and conversation.subject == "Délais"
    assert list(conversation.participants.values_list("user_id", flat=True)) == [client_user.pk]
    with pytest.raises(MessagingError):
        services.conversation_start_direct(client=corrector, subject="Délais")
    with pytest.raises(MessagingError):
        services.conversation_start_direct(client=client_user, subject="   ")


def test_system_message_has_no_sender_and_notifies_nobody(working_order):
    before = Notification.objects.count()
    message = services.conversation_post_system_message(order=working_order, text="La correction a commencé.")
    assert message.sender is None and message.type == Message.Type.SYSTEM_MESSAGE
    assert message.conversation.order_id == working_order.pk
    assert Notification.objects.count() == before


def test_welcome_is_idempotent(client_user):
    first = services.conversation_welcome(client=client_user)
    second = services.conversation_welcome(client=client_user)
    assert first.pk == second.pk
    assert first.messages.get().type == Message.Type.SYSTEM_MESSAGE


# --- Sending ---------------------------------------------------------------------

def test_send_updates_the_conversation_and_the_senders_read_state(conversation, client_user):
    message = services.message_send(conversation=conversation, sender=client_user, content="  Bonjour !  ")
    conversation.refresh_from_db()
    assert message.content == "Bonjour !" and message.status == Message.Status.ENVOYE
    assert message.type == Message.Type.USER_MESSAGE
    assert conversation.last_message_id == message.pk and conversation.last_message_at == message.created_at
    assert Participant.objects.get(conversation=conversation, user=client_user).last_read_message_id == message.pk


@pytest.mark.parametrize("content", ["", "   \n\t ", "x" * 10_001])
def test_empty_or_too_long_content_is_refused(conversation, client_user, content):
    with pytest.raises(MessagingError):
        services.message_send(conversation=conversation, sender=client_user, content=content)
    assert not Message.objects.exists()


def test_outsiders_cannot_post(conversation, other_client, other_corrector):
    for outsider in (other_client, other_corrector):
        with pytest.raises(MessagingError):
            services.message_send(conversation=conversation, sender=outsider, content="Intrusion")
    assert not Message.objects.exists()


def test_staff_may_post_anywhere_and_join_the_conversation(conversation, staff):
    message = services.message_send(conversation=conversation, sender=staff, content="L'équipe est là.")
    assert message.type == Message.Type.ADMIN_MESSAGE
    assert Participant.objects.filter(conversation=conversation, user=staff).exists()


def test_only_staff_may_sign_as_the_team(conversation, client_user, corrector, staff):
    for person in (client_user, corrector):
        with pytest.raises(MessagingError, match="Seule l'équipe"):
            services.message_send(conversation=conversation, sender=person, content="Hop", signed_as_team=True)
    message = services.message_send(conversation=conversation, sender=staff, content="Bonjour", signed_as_team=True)
    assert message.signed_as_team


def test_reply_records_parent_and_thread_root(conversation, client_user, corrector, direct):
    root = services.message_send(conversation=conversation, sender=client_user, content="Question")
    reply = services.message_send(conversation=conversation, sender=corrector, content="Réponse", parent=root)
    again = services.message_send(conversation=conversation, sender=client_user, content="Merci", parent=reply)
    assert reply.parent == root and reply.thread_root == root
    assert again.thread_root == root
    with pytest.raises(MessagingError):  # a message of another conversation
        services.message_send(conversation=direct, sender=client_user, content="x", parent=root)


# --- Notifications and throttling ------------------------------------------------------

def test_the_other_participants_are_notified(conversation, client_user, corrector, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(conversation=conversation, sender=client_user, content="Bonjour Julien")
    notification = Notification.objects.get(user=corrector, type=Notification.Type.MESSAGE)
    assert notification.action_url == f"/messages/{conversation.pk}/"
    assert client_user.email not in notification.message  # a display name, never an e-mail
    assert not Notification.objects.filter(user=client_user, type=Notification.Type.MESSAGE).exists()
    assert len(message_emails(corrector)) == 1 and message_emails(client_user) == []
    assert "1 message non lu dans" in message_emails(corrector)[0].body  # singular, no "(s)" (issue 9)


def test_emails_are_throttled_per_conversation_and_recipient(conversation, client_user, corrector,
                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(conversation=conversation, sender=client_user, content="Premier")
        services.message_send(conversation=conversation, sender=client_user, content="Second, 1 minute après")
    # Every message is in the bell; only one e-mail within 15 minutes.
    assert Notification.objects.filter(user=corrector, type=Notification.Type.MESSAGE).count() == 2
    assert len(message_emails(corrector)) == 1

    participant = Participant.objects.get(conversation=conversation, user=corrector)
    participant.last_emailed_at -= timedelta(minutes=16)
    participant.save(update_fields=["last_emailed_at"])
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(conversation=conversation, sender=client_user, content="Un quart d'heure plus tard")
    assert len(message_emails(corrector)) == 2
    # The next e-mail sums up everything the corrector has not read yet.
    summary = message_emails(corrector)[-1].body
    assert "3 messages non lus dans" in summary
    assert "Premier" in summary and "Second, 1 minute après" in summary and "Un quart d'heure plus tard" in summary


def test_throttle_is_per_recipient(conversation, client_user, corrector, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(conversation=conversation, sender=staff, content="Bonjour à tous")
        services.message_send(conversation=conversation, sender=corrector, content="Bonjour")
    assert len(message_emails(client_user)) == 1  # two messages, one e-mail
    assert len(message_emails(corrector)) == 1
    assert len(message_emails(staff)) == 1


def test_unassigned_conversation_alerts_every_admin_until_the_team_joins(
    direct, client_user, staff, second_staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(conversation=direct, sender=client_user, content="Bonjour, une question")
        services.message_send(conversation=direct, sender=client_user, content="Et une autre")
    for admin in (staff, second_staff):
        assert Notification.objects.filter(user=admin, type=Notification.Type.MESSAGE).count() == 2
        assert len(team_emails(admin)) == 1  # throttled too

    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(conversation=direct, sender=staff, content="Je m'en occupe", signed_as_team=True)
        services.message_send(conversation=direct, sender=client_user, content="Merci !")
    # Now a staff member takes part: only they hear about the client's reply.
    assert Notification.objects.filter(user=staff, type=Notification.Type.MESSAGE).count() == 3
    assert Notification.objects.filter(user=second_staff, type=Notification.Type.MESSAGE).count() == 2


def test_client_messages_in_an_order_conversation_do_not_alert_staff(conversation, client_user, staff,
                                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(conversation=conversation, sender=client_user, content="Pour le correcteur")
    assert not Notification.objects.filter(user=staff, type=Notification.Type.MESSAGE).exists()


# --- Read state, drafts, pins, archive -----------------------------------------------------

def test_mark_read_moves_forward_and_marks_others_messages_read(conversation, client_user, corrector):
    first = services.message_send(conversation=conversation, sender=corrector, content="Un")
    second = services.message_send(conversation=conversation, sender=corrector, content="Deux")
    assert selectors.unread_total(user=client_user) == 2
    services.conversation_mark_read(conversation=conversation, user=client_user, up_to=first.pk)
    assert selectors.unread_total(user=client_user) == 1
    services.conversation_mark_read(conversation=conversation, user=client_user)
    assert selectors.unread_total(user=client_user) == 0
    services.conversation_mark_read(conversation=conversation, user=client_user, up_to=first.pk)  # never backwards
    assert Participant.objects.get(conversation=conversation, user=client_user).last_read_message_id == second.pk
    assert set(Message.objects.values_list("status", flat=True)) == {Message.Status.LU}


def test_drafts_one_per_sender_promoted_on_send(conversation, client_user, corrector):
    first = services.message_save_draft(conversation=conversation, sender=client_user, content="Bonj")
    second = services.message_save_draft(conversation=conversation, sender=client_user, content="Bonjour Jul")
    assert first.pk == second.pk and second.content == "Bonjour Jul" and second.status == Message.Status.BROUILLON
    services.message_save_draft(conversation=conversation, sender=corrector, content="Mon brouillon")
    assert Message.objects.filter(status=Message.Status.BROUILLON).count() == 2
    # Drafts are nobody else's business, and never unread.
    assert selectors.conversation_messages(conversation=conversation)[0] == []
    assert selectors.unread_total(user=corrector) == 0

    sent = services.message_send(conversation=conversation, sender=client_user, content="Bonjour Julien")
    assert sent.status == Message.Status.ENVOYE
    assert not Message.objects.filter(sender=client_user, status=Message.Status.BROUILLON).exists()
    assert Message.objects.filter(sender=corrector, status=Message.Status.BROUILLON).exists()


def test_the_database_allows_one_draft_per_sender(conversation, client_user):
    services.message_save_draft(conversation=conversation, sender=client_user, content="Un")
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(conversation=conversation, sender=client_user, content="Deux",
                               status=Message.Status.BROUILLON, draft_slot=True)


def test_a_late_draft_save_after_sending_is_ignored(conversation, client_user):
    services.message_save_draft(conversation=conversation, sender=client_user, content="Bonjour")
    sent = services.message_send(conversation=conversation, sender=client_user, content="Bonjour")
    # The debounced save left the browser before the message was sent.
    stale = services.message_save_draft(conversation=conversation, sender=client_user, content="Bonjour",
                                        known_last_id=sent.pk - 1)
    assert stale is None and not Message.objects.filter(status=Message.Status.BROUILLON).exists()
    fresh = services.message_save_draft(conversation=conversation, sender=client_user, content="Autre chose",
                                        known_last_id=sent.pk)
    assert fresh is not None


def test_empty_draft_is_removed(conversation, client_user):
    services.message_save_draft(conversation=conversation, sender=client_user, content="Bonjour")
    assert services.message_save_draft(conversation=conversation, sender=client_user, content="  ") is None
    assert not Message.objects.exists()


def test_outsiders_cannot_save_drafts(conversation, other_client):
    with pytest.raises(MessagingError):
        services.message_save_draft(conversation=conversation, sender=other_client, content="Hop")


def test_pin_by_participants_or_staff_only(conversation, client_user, corrector, staff, other_client):
    message = services.message_send(conversation=conversation, sender=client_user, content="Important")
    services.message_pin(message=message, by=corrector)
    assert Message.objects.get(pk=message.pk).is_pinned
    services.message_pin(message=message, by=staff, pinned=False)
    assert not Message.objects.get(pk=message.pk).is_pinned
    with pytest.raises(MessagingError):
        services.message_pin(message=message, by=other_client)


def test_archive_is_per_user_and_a_new_message_brings_it_back(conversation, client_user, corrector, staff):
    services.conversation_archive(conversation=conversation, user=client_user, archived=True)
    assert list(selectors.inbox_for(user=client_user)) == []
    assert [c.pk for c in selectors.inbox_for(user=client_user, archived=True)] == [conversation.pk]
    assert [c.pk for c in selectors.inbox_for(user=corrector)] == [conversation.pk]
    services.message_send(conversation=conversation, sender=corrector, content="Du nouveau")
    assert [c.pk for c in selectors.inbox_for(user=client_user)] == [conversation.pk]
    with pytest.raises(MessagingError):  # staff who never joined have no inbox state
        services.conversation_archive(conversation=conversation, user=staff, archived=True)


# --- Attachments ----------------------------------------------------------------------------

def test_uploads_are_stored_as_attachments(conversation, client_user, working_order):
    message = services.message_send(conversation=conversation, sender=client_user, content="Voici",
                                    attachments=[pdf("chapitre-1.pdf")])
    stored = message.attachments.get().stored_file
    assert stored.role == StoredFile.Role.ATTACHMENT and stored.uploaded_by == client_user
    assert stored.original_name == "chapitre-1.pdf"
    # Tied to the order: its file retention applies to what was exchanged about it.
    assert stored.order_id == working_order.pk


def test_own_existing_file_may_be_attached_but_not_someone_elses(conversation, client_user, corrector):
    own = stored_file_create(uploaded_file=pdf(), uploaded_by=client_user, role=StoredFile.Role.ATTACHMENT,
                             allowed=ATTACHMENT_KINDS)
    theirs = stored_file_create(uploaded_file=pdf(), uploaded_by=corrector, role=StoredFile.Role.ATTACHMENT,
                                allowed=ATTACHMENT_KINDS)
    message = services.message_send(conversation=conversation, sender=client_user, content="Le mien",
                                    attachments=[own])
    assert message.attachments.get().stored_file == own
    with pytest.raises(MessagingError, match="propres fichiers"):
        services.message_send(conversation=conversation, sender=client_user, content="Le sien",
                              attachments=[theirs])
    assert Message.objects.count() == 1


def test_eleven_attachments_are_refused(conversation, client_user):
    with pytest.raises(MessagingError, match="10 pièces jointes"):
        services.message_send(conversation=conversation, sender=client_user, content="Trop",
                              attachments=[pdf(f"{n}.pdf") for n in range(11)])
    assert not StoredFile.objects.filter(role=StoredFile.Role.ATTACHMENT).exists()


def test_a_disguised_file_is_refused_and_nothing_stays(conversation, client_user):
    with pytest.raises(ValidationError):
        services.message_send(conversation=conversation, sender=client_user, content="Regardez",
                              attachments=[pdf("ok.pdf"), exe_named_pdf("roman.pdf")])
    assert not Message.objects.exists() and not MessageAttachment.objects.exists()
    # The file stored before the refusal is gone again.
    assert not StoredFile.objects.alive().filter(role=StoredFile.Role.ATTACHMENT).exists()


def test_outsider_messages_store_no_file(conversation, other_client):
    with pytest.raises(MessagingError):
        services.message_send(conversation=conversation, sender=other_client, content="x", attachments=[pdf()])
    assert not StoredFile.objects.filter(uploaded_by=other_client).exists()


def test_inactive_participants_are_not_notified(conversation, client_user, corrector,
                                               django_capture_on_commit_callbacks):
    type(corrector).objects.filter(pk=corrector.pk).update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(conversation=conversation, sender=client_user, content="Allô ?")
    assert not Notification.objects.filter(user=corrector, type=Notification.Type.MESSAGE).exists()


def test_anonymous_like_user_objects_cannot_read(conversation):
    from django.contrib.auth.models import AnonymousUser

    assert not services.may_read(conversation=conversation, user=AnonymousUser())
    assert not services.may_read(conversation=conversation, user=UserFactory(is_active=False))


def test_deleting_an_order_takes_its_conversation_along(make_order, client_user):
    order = make_order()
    services.conversation_post_system_message(order=order, text="Commande enregistrée.")
    type(order).objects.filter(pk=order.pk).delete()  # what the abandoned-orders purge does
    assert not Conversation.objects.exists() and not Message.objects.exists()


def test_staff_reading_without_posting_does_not_join(conversation, client_user, staff):
    services.message_send(conversation=conversation, sender=client_user, content="Bonjour")
    assert services.conversation_mark_read(conversation=conversation, user=staff) == 0
    assert not Participant.objects.filter(conversation=conversation, user=staff).exists()
