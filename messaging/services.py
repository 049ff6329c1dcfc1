"""Every write of the messaging app (see DESIGN.md).

Who may read a conversation: its participants, and staff (ADMIN) always.
Who may post: the same people. A staff member who posts joins the
conversation, so they hear about the replies.

Message ids grow in commit order inside a conversation: every insert of a
sent message happens while holding the conversation's row lock. The
"messages since" poll and the read state rely on it.
"""

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core import user_cache
from core.outbox import outbox_task_queue
from core.registry import conversation_url, message_posted_hooks
from files.models import StoredFile
from files.services import stored_file_create, stored_file_soft_delete
from files.validation import ATTACHMENT_KINDS
from notifications.models import Notification
from notifications.services import notify

from . import selectors, tasks
from .display import sender_display_name
from .models import MAX_ATTACHMENTS, MAX_CONTENT_LENGTH, Conversation, Message, MessageAttachment, Participant
from .selectors import written_to

logger = logging.getLogger(__name__)

# At most one e-mail per conversation and person in this window. The in-app
# notification is written for every message: a bell item disturbs nobody, a
# burst of e-mails does.
EMAIL_THROTTLE = timedelta(minutes=15)
# A conversation none of these people take part in is "unassigned": the
# client's messages there alert every staff member.
TEAM_ROLES = (User.Role.ADMIN, User.Role.CORRECTOR)
WELCOME_SUBJECT = _("Bienvenue sur Staka Livres")
WELCOME_TEXT = _(
    "Bienvenue sur Staka Livres !\n"
    "Cette messagerie vous relie à notre équipe : posez-nous ici vos questions sur nos services, "
    "vos manuscrits ou vos commandes. Chaque commande a aussi sa propre conversation avec votre correcteur."
)


class MessagingError(ValidationError):
    """A refused action; its message is shown to the user as is."""


# --- Access rules (shared with the selectors) ----------------------------------

def is_participant(*, conversation, user):
    return Participant.objects.filter(conversation=conversation, user=user).exists()


def may_read(*, conversation, user):
    """Staff read everything; others only the conversations they take part in."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_admin or is_participant(conversation=conversation, user=user)


def _check_may_post(conversation, user):
    if user is None or not may_read(conversation=conversation, user=user):
        raise MessagingError(_("Vous ne pouvez pas écrire dans cette conversation."), code="forbidden")


# --- Conversations --------------------------------------------------------------

def unread_changed(*, user_ids):
    """The users' Messages badges are out of date (a message reached them,
    they read, they joined or left a conversation)."""
    user_cache.invalidate(selectors.UNREAD_CACHE, user_ids)


def _add_participant(conversation, user):
    participant, created = Participant.objects.get_or_create(conversation=conversation, user=user)
    if created:
        unread_changed(user_ids=[user.pk])
    return participant


def conversation_for_order(*, order):
    """The order's conversation, created on first use with its client and
    corrector as participants. Idempotent, also under concurrency (the unique
    constraint on ``order`` decides the winner; get_or_create reads it back)."""
    conversation, created = Conversation.objects.get_or_create(
        order_id=order.pk,
        defaults={"kind": Conversation.Kind.ORDER, "subject": order.title[:255], "created_by": None},
    )
    if created:
        logger.info("conversation %s created for order %s", conversation.pk, order.pk)
    _add_participant(conversation, order.client)
    if order.corrector_id:
        _add_participant(conversation, order.corrector)
    return conversation


def conversation_sync_order_participants(*, order):
    """After an assignment: the new corrector joins, a replaced one leaves
    (their messages stay). Staff who joined by posting stay too."""
    with transaction.atomic():
        conversation = conversation_for_order(order=order)
        keep = {order.client_id, order.corrector_id} - {None}
        leaving = list(
            Participant.objects.filter(conversation=conversation)
            .exclude(user_id__in=keep)
            .exclude(user__role=User.Role.ADMIN)
            .values_list("user_id", flat=True)
        )
        if leaving:
            Participant.objects.filter(conversation=conversation, user_id__in=leaving).delete()
            unread_changed(user_ids=leaving)
    return conversation


def conversation_start_direct(*, client, subject, client_token=None, by=None):
    """A conversation between a client and the team. ``by`` is who opens it:
    the client (the default; no staff member yet, the first message alerts
    all of them) or a staff member writing first to that client (issue 9;
    they join when they post). Each call opens a new conversation with its
    own subject; the same form submitted again (``client_token``: a double
    click, two tabs) returns the same conversation."""
    by = by or client
    subject = (subject or "").strip()
    if by.pk != client.pk and not (by.is_admin and by.is_active):
        raise MessagingError(_("Seule l'équipe peut ouvrir une conversation avec un client."), code="forbidden")
    if not client.is_client or not client.is_active:
        if by.pk != client.pk:
            raise MessagingError(_("Choisissez un client dont le compte est actif."), code="not_client")
        raise MessagingError(_("Seul un client peut ouvrir une conversation avec l'équipe."), code="not_client")
    if not subject:
        raise MessagingError(_("Indiquez un sujet."), code="subject_required")
    if len(subject) > 255:
        raise MessagingError(_("Le sujet ne peut pas dépasser 255 caractères."), code="subject_too_long")
    with transaction.atomic():
        if client_token is None:
            conversation = Conversation.objects.create(kind=Conversation.Kind.DIRECT, subject=subject, created_by=by)
        else:
            # The unique (created_by, client_token) decides between concurrent
            # submits; get_or_create reads the winner's row back.
            conversation, _created = Conversation.objects.get_or_create(
                created_by=by, client_token=client_token,
                defaults={"kind": Conversation.Kind.DIRECT, "subject": subject},
            )
        _add_participant(conversation, client)
    return conversation


def conversation_start_support(*, subject, client=None):
    """The conversation of a support ticket (support.services opens it), with
    the client as participant; a visitor's ticket has none: the visitor
    writes through message_post_from_visitor."""
    subject = (subject or "").strip()[:255]
    if not subject:
        raise MessagingError(_("Indiquez un sujet."), code="subject_required")
    with transaction.atomic():
        conversation = Conversation.objects.create(kind=Conversation.Kind.SUPPORT, subject=subject, created_by=client)
        if client is not None:
            _add_participant(conversation, client)
    return conversation


def conversation_join(*, conversation, user):
    """Staff join a conversation (e.g. the ticket they take), so they hear
    about the replies before they have written anything. Idempotent."""
    if not (user.is_admin and user.is_active):
        raise MessagingError(_("Seule l'équipe peut rejoindre une conversation."), code="forbidden")
    return _add_participant(conversation, user)


def conversation_mark_read(*, conversation, user, up_to=None):
    """Everything up to message ``up_to`` (default: the latest) is read by
    ``user``; other people's messages become LU. Only moves forward.
    Staff who are not participants have no read state: nothing happens."""
    if up_to is None:
        up_to = Conversation.objects.filter(pk=conversation.pk).values_list("last_message_id", flat=True).first()
    if not up_to:
        return 0
    with transaction.atomic():
        participant = (
            Participant.objects.select_for_update()
            .filter(conversation=conversation, user=user, last_read_message_id__lt=up_to)
            .first()
        )
        if participant is None:
            return 0
        previous = participant.last_read_message_id
        participant.last_read_message_id = up_to
        participant.save(update_fields=["last_read_message_id"])
        unread_changed(user_ids=[user.pk])
        (
            Message.objects.filter(
                conversation=conversation, id__gt=previous, id__lte=up_to,
                status__in=(Message.Status.ENVOYE, Message.Status.DELIVRE),
            )
            .exclude(sender=user)
            .update(status=Message.Status.LU)
        )
    return up_to


def conversation_archive(*, conversation, user, archived):
    """Hide (or bring back) the conversation in the user's own inbox."""
    updated = Participant.objects.filter(conversation=conversation, user=user).update(archived=bool(archived))
    if not updated:
        raise MessagingError(_("Vous ne participez pas à cette conversation."), code="not_participant")
    unread_changed(user_ids=[user.pk])  # their cached inbox (a bare UPDATE sends no post_save)
    return bool(archived)


def conversation_post_system_message(*, order, text):
    """A message from the platform (no sender) in the order's conversation;
    orders call it for order events. Nobody is notified: the order's own
    notifications already tell them."""
    text = str(text).strip()
    if not text:
        raise MessagingError(_("Le message est vide."), code="empty")
    conversation = conversation_for_order(order=order)
    return _post_system_message(conversation, text[:MAX_CONTENT_LENGTH])


def _post_system_message(conversation, text):
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        message = Message.objects.create(
            conversation=locked, sender=None, content=text, type=Message.Type.SYSTEM_MESSAGE,
            status=Message.Status.ENVOYE,
        )
        locked.last_message, locked.last_message_at = message, message.created_at
        locked.save(update_fields=["last_message", "last_message_at"])
    return message


def conversation_welcome(*, client):
    """A direct conversation greeting a new client. Idempotent."""
    subject = str(WELCOME_SUBJECT)
    existing = Conversation.objects.filter(
        kind=Conversation.Kind.DIRECT, created_by=client, subject=subject,
        messages__type=Message.Type.SYSTEM_MESSAGE,
    ).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        conversation = conversation_start_direct(client=client, subject=subject)
        _post_system_message(conversation, str(WELCOME_TEXT))
    return conversation


# --- Messages ---------------------------------------------------------------------

def _clean_content(content):
    content = (content or "").strip()
    if not content:
        raise MessagingError(_("Écrivez un message."), code="empty")
    if len(content) > MAX_CONTENT_LENGTH:
        raise MessagingError(
            _("Un message ne peut pas dépasser %(max)s caractères.") % {"max": MAX_CONTENT_LENGTH},
            code="too_long",
        )
    return content


def _split_attachments(attachments, sender):
    """(uploads, existing stored files), with the rules checked."""
    attachments = list(attachments or ())
    if len(attachments) > MAX_ATTACHMENTS:
        raise MessagingError(
            _("%(max)s pièces jointes au maximum par message.") % {"max": MAX_ATTACHMENTS}, code="too_many_files"
        )
    uploads, existing = [], []
    for item in attachments:
        if isinstance(item, StoredFile):
            if item.uploaded_by_id != sender.pk:
                raise MessagingError(_("Vous ne pouvez joindre que vos propres fichiers."), code="not_owner")
            if not item.is_available:
                raise MessagingError(
                    _("Le fichier « %(name)s » n'est plus disponible.") % {"name": item.original_name},
                    code="file_unavailable",
                )
            existing.append(item)
        else:
            uploads.append(item)
    return uploads, existing


def message_send(*, conversation, sender, content, subject="", parent=None, attachments=(), signed_as_team=False,
                 client_token=None, announce=True):
    """Post a message, with up to MAX_ATTACHMENTS files (new uploads, or files
    the sender stored before). Notifies the others after commit, unless
    ``announce`` is False (the caller announces it its own way: a new
    support ticket's first message).

    ``client_token`` is the compose form's one-time token: the same form
    submitted again (a double click, two tabs, a retry) returns the message
    it already posted, with nothing written or notified a second time
    (``message.already_sent`` tells the caller)."""
    _check_may_post(conversation, sender)
    content = _clean_content(content)
    subject = (subject or "").strip()[:255]
    if signed_as_team and not sender.is_admin:
        raise MessagingError(_("Seule l'équipe peut signer « Équipe Staka Livres »."), code="team_signature")
    if parent is not None and (parent.conversation_id != conversation.pk or parent.is_draft):
        raise MessagingError(_("Le message auquel vous répondez n'existe pas ici."), code="bad_parent")
    uploads, existing = _split_attachments(attachments, sender)
    if (sent := _sent_with_token(conversation, sender, client_token)) is not None:
        return sent  # before storing any bytes; checked again under the lock

    # The bytes are written before the transaction (a long upload must not
    # hold row locks); if the message cannot be written they are removed.
    stored_now = []
    try:
        for upload in uploads:
            extra = {"order_id": conversation.order_id} if conversation.order_id else {}
            stored_now.append(stored_file_create(
                uploaded_file=upload, uploaded_by=sender, role=StoredFile.Role.ATTACHMENT,
                allowed=ATTACHMENT_KINDS, **extra,
            ))
        message = _write_message(
            conversation=conversation, sender=sender, content=content, subject=subject, parent=parent,
            files=[*existing, *stored_now], signed_as_team=signed_as_team, client_token=client_token,
            announce=announce,
        )
    except BaseException:
        for stored in stored_now:
            stored_file_soft_delete(stored_file=stored, by=sender)
        raise
    if message.already_sent:
        # Another submit of the same form won the lock: its files are the message's.
        for stored in stored_now:
            stored_file_soft_delete(stored_file=stored, by=sender)
        return message
    logger.info("message %s sent in %s by %s", message.pk, conversation.pk, sender.pk)
    return message


def _sent_with_token(conversation, sender, client_token):
    """The message already posted from this compose form, or None."""
    if client_token is None:
        return None
    message = Message.objects.filter(conversation=conversation, sender=sender, client_token=client_token).first()
    if message is not None:
        message.already_sent = True
    return message


def message_post_from_visitor(*, conversation, name, email, content, attachments=(), announce=True):
    """A message from a visitor without an account (sender NULL, the name and
    e-mail they gave), in a support conversation: their first request, or
    their answer through a support reply link (support checks the link).
    ``attachments``: new uploads, or files a visitor stored before (no
    uploader). Staff are notified as for a client's message."""
    if conversation.kind != Conversation.Kind.SUPPORT:
        raise MessagingError(_("Un visiteur ne peut écrire que dans une demande d'assistance."), code="forbidden")
    name, email = (name or "").strip()[:150], (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise MessagingError(_("Saisissez une adresse e-mail valide."), code="visitor_email") from None
    content = _clean_content(content)
    attachments = list(attachments or ())
    if len(attachments) > MAX_ATTACHMENTS:
        raise MessagingError(
            _("%(max)s pièces jointes au maximum par message.") % {"max": MAX_ATTACHMENTS}, code="too_many_files"
        )
    existing = [item for item in attachments if isinstance(item, StoredFile)]
    if any(item.uploaded_by_id is not None or not item.is_available for item in existing):
        raise MessagingError(_("Ce fichier ne peut pas être joint."), code="not_owner")
    uploads = [item for item in attachments if not isinstance(item, StoredFile)]
    stored_now = []
    try:
        for upload in uploads:
            stored_now.append(stored_file_create(
                uploaded_file=upload, uploaded_by=None, role=StoredFile.Role.ATTACHMENT, allowed=ATTACHMENT_KINDS,
            ))
        message = _write_message(
            conversation=conversation, sender=None, visitor=(name, email), content=content, subject="",
            parent=None, files=[*existing, *stored_now], signed_as_team=False, client_token=None, announce=announce,
        )
    except BaseException:
        for stored in stored_now:
            stored_file_soft_delete(stored_file=stored, by=None)
        raise
    logger.info("visitor message %s sent in %s", message.pk, conversation.pk)
    return message


def _write_message(*, conversation, sender, content, subject, parent, files, signed_as_team, client_token,
                   announce=True, visitor=None):
    """Insert a message under the conversation's lock. ``sender`` is None for
    a visitor's message, then ``visitor`` is their (name, e-mail)."""
    now = timezone.now()
    visitor_name, visitor_email = visitor or ("", "")
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if sender is not None:
            # Every insert holds the conversation's lock: a token seen here is final.
            if (sent := _sent_with_token(locked, sender, client_token)) is not None:
                return sent
            # The draft becomes this message. It gets a new row so that ids keep
            # growing in sending order (a draft's id is as old as its first keystroke).
            Message.objects.filter(conversation=locked, sender=sender, status=Message.Status.BROUILLON).delete()
        message = Message.objects.create(
            conversation=locked, sender=sender, content=content, subject=subject, parent=parent,
            thread_root_id=(parent.thread_root_id or parent.pk) if parent else None,
            type=Message.Type.ADMIN_MESSAGE if sender is not None and sender.is_admin else Message.Type.USER_MESSAGE,
            status=Message.Status.ENVOYE, signed_as_team=bool(signed_as_team), created_at=now,
            client_token=client_token, visitor_name=visitor_name, visitor_email=visitor_email,
        )
        message.already_sent = False
        MessageAttachment.objects.bulk_create(
            [MessageAttachment(message=message, stored_file=stored) for stored in files]
        )
        locked.last_message, locked.last_message_at = message, now
        locked.save(update_fields=["last_message", "last_message_at"])
        for hook in message_posted_hooks.values():
            hook(message=message)

        team_present = Participant.objects.filter(conversation=locked, user__role__in=TEAM_ROLES).exists()
        if sender is not None:
            participant = _add_participant(locked, sender)
            Participant.objects.filter(pk=participant.pk).update(last_read_message_id=message.pk, archived=False)
        not_sender = Participant.objects.filter(conversation=locked).exclude(user=sender) if sender else (
            Participant.objects.filter(conversation=locked))
        others = list(not_sender.filter(user__is_active=True).select_related("user"))
        # A new message brings an archived conversation back to the inbox.
        not_sender.filter(archived=True).update(archived=False)
        # The sender's read mark moved to their message: theirs changes too.
        unread_changed(user_ids=[p.user_id for p in others] + ([sender.pk] if sender else []))
        if announce:
            emailed = {p.user_id for p in others if _claim_email_slot(Participant.objects.filter(pk=p.pk), now)}
            # A client, or a visitor, waits for the team.
            alert_team = (sender is None or sender.is_client) and not team_present
            team_emailed = alert_team and _claim_email_slot(Conversation.objects.filter(pk=locked.pk), now,
                                                            field="team_alerted_at")
            outbox_task_queue(task=tasks.announce_message, kwargs={
                "message_id": message.pk, "recipient_ids": [str(p.user_id) for p in others],
                "emailed_ids": sorted(str(user_id) for user_id in emailed), "alert_team": alert_team,
                "team_emailed": team_emailed,
            })
    return message


def _claim_email_slot(queryset, now, field="last_emailed_at"):
    """Take the right to e-mail now with a conditional UPDATE: two messages
    sent at the same moment cannot both claim it."""
    window = Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lte": now - EMAIL_THROTTLE})
    return bool(queryset.filter(window).update(**{field: now}))


def _announce(*, message_id, recipient_ids, emailed_ids, alert_team, team_emailed):
    message = Message.objects.select_related("conversation", "sender").get(pk=message_id)
    conversation = message.conversation
    default_url = reverse("messaging:conversation", args=[conversation.pk])

    def url_for(user):
        return conversation_url(conversation, user) or default_url

    name = sender_display_name(message)
    data = {"conversation_id": str(conversation.pk), "message_id": message.pk}
    title = gettext("Nouveau message")
    text = gettext("%(name)s vous a écrit dans « %(subject)s ».") % {"name": name, "subject": conversation.subject}
    for user in User.objects.filter(pk__in=recipient_ids, is_active=True):
        emailed = user.pk in emailed_ids
        notify(user=user, type=Notification.Type.MESSAGE, title=title, action_url=url_for(user), data=data,
               message=_unread_summary(conversation=conversation, user=user) if emailed else text,
               email_kind="messages" if emailed else None)
    if alert_team:
        team_text = gettext("%(name)s attend une réponse dans « %(subject)s ».") % {
            "name": name, "subject": conversation.subject,
        }
        for member in User.objects.filter(role=User.Role.ADMIN, is_active=True).exclude(pk__in=recipient_ids):
            notify(user=member, type=Notification.Type.MESSAGE, title=gettext("Un client attend une réponse"),
                   message=team_text, action_url=url_for(member), data=data, priority=Notification.Priority.HAUTE,
                   email_kind="messages" if team_emailed else None)


SUMMARY_SIZE = 5
EXCERPT_LENGTH = 200


def _unread_summary(*, conversation, user):
    """The throttled e-mail sums up everything the recipient has not read yet
    in the conversation, not just the message that triggered it."""
    last_read = (
        Participant.objects.filter(conversation=conversation, user=user).values_list("last_read_message_id", flat=True)
        .first() or 0
    )
    unread = written_to(
        Message.objects.filter(conversation=conversation, pk__gt=last_read, status__in=Message.SENT_STATUSES), user,
    )
    count = unread.count()
    unread = list(unread.select_related("sender").order_by("-pk")[:SUMMARY_SIZE])
    lines = [
        ngettext("%(count)s message non lu dans « %(subject)s » :", "%(count)s messages non lus dans « %(subject)s » :",
                 count) % {"count": count, "subject": conversation.subject}
    ]
    for message in reversed(unread):
        excerpt = " ".join(message.content.split())
        if len(excerpt) > EXCERPT_LENGTH:
            excerpt = excerpt[:EXCERPT_LENGTH].rstrip() + "…"
        lines.append(f"— {sender_display_name(message)} : {excerpt}")
    return "\n".join(lines)


def message_save_draft(*, conversation, sender, content, known_last_id=None):
    """Save what the sender is typing (one draft per conversation and sender).

    Empty content removes the draft. ``known_last_id`` is the last message the
    sender's page showed: a save that left before the sender's own message
    was sent (and arrives after it) is stale and ignored.
    """
    _check_may_post(conversation, sender)
    content = (content or "").strip()[:MAX_CONTENT_LENGTH]
    drafts = Message.objects.filter(conversation=conversation, sender=sender, status=Message.Status.BROUILLON)
    with transaction.atomic():
        # Under the conversation's lock, as message_send: concurrent saves (two
        # tabs) queue instead of deadlocking on the draft's unique index
        # (MariaDB's gap locks answered 1213 to update_or_create).
        Conversation.objects.select_for_update().filter(pk=conversation.pk).first()
        if known_last_id is not None and Message.objects.filter(
            conversation=conversation, sender=sender, status__in=Message.SENT_STATUSES, id__gt=known_last_id
        ).exists():
            return None
        if not content:
            drafts.delete()
            return None
        draft, _created = Message.objects.update_or_create(
            conversation=conversation, sender=sender, draft_slot=True,
            defaults={"content": content, "status": Message.Status.BROUILLON, "type": Message.Type.USER_MESSAGE},
        )
    return draft


def message_pin(*, message, by, pinned=True):
    """Pin (or unpin) a message for everybody in the conversation."""
    if message.is_draft or not may_read(conversation=message.conversation, user=by):
        raise MessagingError(_("Vous ne pouvez pas épingler ce message."), code="forbidden")
    Message.objects.filter(pk=message.pk).update(is_pinned=bool(pinned))
    selectors.latest_page_changed(conversation_id=message.conversation_id)  # a bare UPDATE sends no post_save
    message.is_pinned = bool(pinned)
    return message
