import logging

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.signals import user_activated
from files.models import StoredFile

from .models import Conversation, Message, MessageAttachment, Participant
from .selectors import (
    composer_changed,
    composer_files_changed,
    conversations_changed,
    latest_page_changed,
    poll_state_changed,
)
from .services import conversation_welcome, unread_changed

logger = logging.getLogger(__name__)


@receiver(user_activated)
def greet_new_client(sender, user, **kwargs):
    """A new client finds a welcome message in their inbox. Sent after the
    activation committed: a failure here must not turn it into an error page."""
    if not user.is_client:
        return
    try:
        conversation_welcome(client=user)
    except Exception:
        logger.exception("could not greet new client %s", user.pk)


@receiver([post_save, post_delete], sender=Conversation, dispatch_uid="poll-state-conversation")
def conversation_moved(sender, instance, **kwargs):
    """A new last message (message_send saves it on the row): the poll answers
    with it, and the staff's inboxes show it."""
    poll_state_changed(conversation_id=instance.pk)
    latest_page_changed(conversation_id=instance.pk)
    conversations_changed()


@receiver([post_save, post_delete], sender=Participant, dispatch_uid="poll-state-participant")
def readers_changed(sender, instance, **kwargs):
    """Someone joined or left: the poll's access check reads them again."""
    poll_state_changed(conversation_id=instance.conversation_id)


@receiver(post_save, sender=Participant, dispatch_uid="inbox-participant-joined")
@receiver(post_delete, sender=Participant, dispatch_uid="inbox-participant-left")
def participants_changed(sender, instance, created=True, **kwargs):
    """Someone joined or left: every participant's cached inbox, and the
    staff's, names them or no longer does (selectors.inbox_first_page). A read mark or an archive
    flag saved changes only its owner's, who says so (services.unread_changed)."""
    if created:  # post_delete sends no `created`: a departure counts too
        others = Participant.objects.filter(conversation_id=instance.conversation_id).values_list("user_id", flat=True)
        unread_changed(user_ids=[instance.user_id, *others])
        conversations_changed()
        latest_page_changed(conversation_id=instance.conversation_id)  # it names the participants


@receiver([post_save, post_delete], sender=Message, dispatch_uid="latest-page-message")
def message_written(sender, instance, **kwargs):
    """A message sent, edited or deleted: the conversation page shows it as it
    is now (selectors.latest_page). A draft (autosaved, or removed when it is
    sent) shows only in its writer's composer."""
    if instance.status != Message.Status.BROUILLON:
        latest_page_changed(conversation_id=instance.conversation_id)
    elif instance.sender_id:
        composer_changed(conversation_id=instance.conversation_id, user_id=instance.sender_id)


@receiver([post_save, post_delete], sender=StoredFile, dispatch_uid="composer-files")
def file_written(sender, instance, **kwargs):
    """A file uploaded, purged or deleted: its owner's composers offer it, or no longer do."""
    if instance.uploaded_by_id:
        composer_files_changed(user_id=instance.uploaded_by_id)


@receiver([post_save, post_delete], sender=MessageAttachment, dispatch_uid="latest-page-attachment")
def attachment_written(sender, instance, **kwargs):
    """An attachment added or removed (in the admin: message_send also moves the conversation)."""
    latest_page_changed(conversation_id=Message.objects.filter(pk=instance.message_id)
                        .values_list("conversation_id", flat=True).first())
