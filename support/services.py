"""The support desk's workflow (see DESIGN.md): every write on a ticket.

Each action allows exactly its own move for its own role (the ACTIONS
table), under the ticket's row lock, with a TicketEvent saying who did what
and when. A message posted in a ticket's conversation, from the ticket page
or from the generic /messages/ pages, goes through `ticket_on_message`
(a hook messaging calls inside its transaction, see core.registry): the
first staff answer stamps `first_response_at`, a client's answer reopens a
ticket that waited for them, whichever page it was written from.

Lock order: the conversation first (messaging takes it to insert a message),
then the ticket — every path that holds both takes them in that order.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.emails import StaleEmail, queue_templated_email
from core.outbox import outbox_task_queue
from files.models import StoredFile
from files.services import stored_file_create, stored_file_soft_delete
from files.validation import ATTACHMENT_KINDS
from messaging.models import MAX_ATTACHMENTS, Message
from messaging.services import (
    MessagingError,
    conversation_join,
    conversation_start_support,
    message_post_from_visitor,
    message_send,
)
from notifications.models import Notification
from notifications.services import notify

from . import sla, tasks
from .models import ReplyLinkUse, Ticket, TicketEvent, TicketNumber

logger = logging.getLogger(__name__)

S = Ticket.Status
E = TicketEvent.Kind
STAFF, REQUESTER, VISITOR, SYSTEM = "staff", "requester", "visitor", "system"

# A visitor's reply link (one per staff answer) stays valid this long.
REPLY_LINK_MAX_AGE = timedelta(days=60)
REPLY_LINK_SALT = "support.visitor_reply"


class TicketError(ValidationError):
    """A refused action; its message is shown to the user as is."""


@dataclass(frozen=True)
class Move:
    """What one action may do: from which statuses, for whom, to which
    status (None: the status does not change)."""

    from_: frozenset
    roles: frozenset
    to: str | None = None


def _move(from_, roles, to=None):
    return Move(from_=frozenset(from_), roles=frozenset(roles), to=to)


UNRESOLVED = Ticket.UNRESOLVED_STATUSES
# A message may be written until the ticket is closed or cancelled.
WRITABLE = (*UNRESOLVED, S.RESOLU)

# action -> the one move it allows, for its own roles; anything else is refused.
ACTIONS = {
    "take": _move(UNRESOLVED, {STAFF}),
    "assign": _move(UNRESOLVED, {STAFF}),
    "set_priority": _move(UNRESOLVED, {STAFF}),
    "set_category": _move(WRITABLE, {STAFF}),
    # Waiting for the client: the SLA clock stops.
    "wait": _move({S.OUVERT, S.EN_COURS}, {STAFF}, S.EN_ATTENTE),
    "resolve": _move(UNRESOLVED, {STAFF}, S.RESOLU),
    "reopen": _move({S.EN_ATTENTE, S.RESOLU}, {STAFF}, S.EN_COURS),
    # Spam, duplicates.
    "cancel": _move(WRITABLE, {STAFF}, S.ANNULE),
    # Posting in the conversation; the status effects are in ticket_on_message.
    "reply": _move(WRITABLE, {STAFF}),
    "client_reply": _move(WRITABLE, {REQUESTER, VISITOR}),
    "confirm_resolved": _move({S.RESOLU}, {REQUESTER}, S.FERME),
    "auto_close": _move({S.RESOLU}, {SYSTEM}, S.FERME),
    "rate": _move({S.FERME}, {REQUESTER}),
}
# ticket_set_status: the status staff pick → the action that leads there.
STATUS_ACTIONS = {S.EN_ATTENTE: "wait", S.RESOLU: "resolve", S.ANNULE: "cancel", S.EN_COURS: "reopen"}


def _roles_of(ticket, user):
    if user is None:
        return {SYSTEM}
    roles = set()
    if user.is_admin and user.is_active:
        roles.add(STAFF)
    if ticket.requester_id is not None and ticket.requester_id == user.pk and user.is_active:
        roles.add(REQUESTER)
    return roles


def ticket_may(*, ticket, user, action):
    """Whether ``user`` may run ``action`` on ``ticket`` as it is now (no
    lock): the pages show their buttons from it."""
    move = ACTIONS[action]
    return ticket.status in move.from_ and bool(move.roles & _roles_of(ticket, user))


def _check(*, locked, action, roles):
    move = ACTIONS[action]
    if not move.roles & roles:
        raise TicketError(_("Vous ne pouvez pas effectuer cette action sur ce ticket."), code="forbidden")
    if locked.status not in move.from_:
        raise TicketError(
            _("Action impossible : le ticket est « %(current)s ».") % {"current": locked.get_status_display()},
            code="invalid_transition",
        )
    return move


def _record(*, ticket, kind, by, from_value="", to_value="", note=""):
    return TicketEvent.objects.create(
        ticket=ticket, kind=kind, actor=by, from_value=str(from_value)[:100], to_value=str(to_value)[:100],
        note=note,
    )


def _lock(ticket):
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _set_status(locked, to, *, by, now, note=""):
    """Move ``locked`` to ``to``, keeping the SLA clock and the dates in step."""
    from_status = locked.status
    locked.status = to
    if to == S.EN_ATTENTE or to == S.RESOLU:
        # Waiting for the client, or for their confirmation: the clock stops.
        sla.sla_pause(locked, now=now)
    elif to == S.EN_COURS:
        sla.sla_resume(locked, now=now)
    if to == S.RESOLU:
        locked.resolved_at = now
    elif to == S.EN_COURS:
        locked.resolved_at = None
    if to == S.FERME:
        locked.closed_at = now
    sla.sla_refresh(locked)
    _record(ticket=locked, kind=E.STATUS, by=by, from_value=from_status, to_value=to, note=note)


# --- Opening ---------------------------------------------------------------------

def ticket_open(*, title, description, category=Ticket.Category.GENERAL, priority=Ticket.Priority.NORMALE,
                source=Ticket.Source.WEB, requester=None, visitor_name="", visitor_email="", visitor_phone="",
                order=None, attachments=(), submission_key=None, by=None):
    """Open a ticket for a client (``requester``) or a visitor (``visitor_*``).

    Its conversation's first message is the description, with the
    ``attachments`` (uploads, checked by their content). The same
    ``submission_key`` (a form sent twice) returns the ticket already
    opened, with nothing written twice. Staff hear of it after commit.
    ``by``: who types it in (staff recording a phone call); default the requester.
    """
    title, description = (title or "").strip(), (description or "").strip()
    attachments = list(attachments or ())
    visitor_name, visitor_email = (visitor_name or "").strip(), (visitor_email or "").strip().lower()
    _check_open(title=title, description=description, category=category, priority=priority, source=source,
                requester=requester, visitor_name=visitor_name, visitor_email=visitor_email, order=order,
                attachments=attachments, by=by)
    if submission_key and (existing := Ticket.objects.filter(submission_key=submission_key).first()):
        return existing

    # The counter's row (a migration writes it) is created outside the
    # locking transaction if missing: concurrent inserts of it inside one
    # would deadlock on MariaDB's gap locks.
    TicketNumber.objects.get_or_create(pk=1)
    # The bytes are written before the transaction (a long upload must not
    # hold the counter's lock); if the ticket cannot be written they go.
    stored_now = []
    try:
        for upload in attachments:
            if not isinstance(upload, StoredFile):
                stored_now.append(stored_file_create(
                    uploaded_file=upload, uploaded_by=requester, role=StoredFile.Role.ATTACHMENT,
                    allowed=ATTACHMENT_KINDS, **({"order_id": order.pk} if order else {}),
                ))
        files = [*(f for f in attachments if isinstance(f, StoredFile)), *stored_now]
        ticket = _write_ticket(
            title=title, description=description, category=category, priority=priority, source=source,
            requester=requester, visitor_name=visitor_name, visitor_email=visitor_email,
            visitor_phone=(visitor_phone or "").strip()[:30], order=order, files=files,
            submission_key=submission_key or None, by=by or requester,
        )
    except IntegrityError:
        # The same form, sent at the same moment, won the unique key.
        _discard(stored_now, by=requester)
        if submission_key and (existing := Ticket.objects.filter(submission_key=submission_key).first()):
            return existing
        raise
    except BaseException:
        _discard(stored_now, by=requester)
        raise
    if ticket.already_opened:
        _discard(stored_now, by=requester)
        return ticket
    logger.info("ticket %s (#%s) opened", ticket.pk, ticket.number)
    return ticket


def _discard(stored, *, by):
    for stored_file in stored:
        stored_file_soft_delete(stored_file=stored_file, by=by)


def _check_open(*, title, description, category, priority, source, requester, visitor_name, visitor_email, order,
                attachments, by):
    if requester is not None and visitor_email:
        raise TicketError(_("Un ticket vient d'un client ou d'un visiteur, pas des deux."), code="requester")
    if requester is not None:
        if not (requester.is_client and requester.is_active):
            raise TicketError(_("Seul un client dont le compte est actif peut ouvrir un ticket."), code="requester")
    else:
        if not visitor_email:
            raise TicketError(_("Indiquez votre adresse e-mail."), code="visitor_email")
        try:
            validate_email(visitor_email)
        except ValidationError:
            raise TicketError(_("Saisissez une adresse e-mail valide."), code="visitor_email") from None
        if not visitor_name:
            raise TicketError(_("Indiquez votre nom."), code="visitor_name")
        if len(visitor_name) > 150:
            raise TicketError(_("Le nom ne peut pas dépasser 150 caractères."), code="visitor_name")
    if by is not None and by != requester and not (by.is_admin and by.is_active):
        raise TicketError(_("Vous ne pouvez pas ouvrir un ticket pour quelqu'un d'autre."), code="forbidden")
    if not title:
        raise TicketError(_("Indiquez l'objet de votre demande."), code="title")
    if len(title) > 255:
        raise TicketError(_("L'objet ne peut pas dépasser 255 caractères."), code="title")
    if not description:
        raise TicketError(_("Décrivez votre demande."), code="description")
    if category not in Ticket.Category.values or priority not in Ticket.Priority.values \
            or source not in Ticket.Source.values:
        raise TicketError(_("Catégorie, priorité ou origine inconnue."), code="choice")
    if order is not None and (requester is None or order.client_id != requester.pk):
        raise TicketError(_("Cette commande n'est pas la vôtre."), code="order")
    if len(attachments) > MAX_ATTACHMENTS:
        raise TicketError(
            _("%(max)s pièces jointes au maximum.") % {"max": MAX_ATTACHMENTS}, code="too_many_files"
        )


def _next_number():
    """The next ticket number, under the counter's row lock (held until commit)."""
    counter = TicketNumber.objects.select_for_update().get(pk=1)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def _write_ticket(*, title, description, category, priority, source, requester, visitor_name, visitor_email,
                  visitor_phone, order, files, submission_key, by):
    now = timezone.now()
    with transaction.atomic():
        number = _next_number()
        # Under the counter's lock, every opening is serialised: a key seen
        # here is final (a second submit waits for the first to commit).
        if submission_key and (existing := Ticket.objects.filter(submission_key=submission_key).first()):
            existing.already_opened = True
            return existing
        conversation = conversation_start_support(subject=f"#{number} {title}"[:255], client=requester)
        # The first message goes in before the ticket row exists: it is the
        # request itself, not an answer that would move the ticket.
        try:
            if requester is not None:
                message_send(conversation=conversation, sender=requester, content=description, attachments=files,
                             announce=False)
            else:
                message_post_from_visitor(conversation=conversation, name=visitor_name, email=visitor_email,
                                          content=description, attachments=files, announce=False)
        except MessagingError as error:
            raise TicketError(error.messages[0], code=error.code) from None
        ticket = Ticket(
            number=number, title=title, description=description, category=category, priority=priority,
            source=source, requester=requester, visitor_name=visitor_name if requester is None else "",
            visitor_email=visitor_email if requester is None else "",
            visitor_phone=visitor_phone if requester is None else "", order=order, conversation=conversation,
            submission_key=submission_key,
        )
        sla.sla_set_due_times(ticket, start=now)
        ticket.save()
        ticket.already_opened = False
        _record(ticket=ticket, kind=E.CREATED, by=by, to_value=S.OUVERT, note=ticket.get_source_display())
        outbox_task_queue(task=tasks.announce_ticket, kwargs={"ticket_id": str(ticket.pk)})
    return ticket


def announce_new_ticket(*, ticket_id):
    """Tell the team (the outbox task behind ticket_open): a notification
    for every staff member and an e-mail to the support inbox."""
    ticket = Ticket.objects.select_related("requester").filter(pk=ticket_id).first()
    if ticket is None:
        return
    url = reverse("support:staff_ticket", args=[ticket.number])
    title = gettext("Nouveau ticket n° %(number)s") % {"number": ticket.number}
    text = gettext("%(name)s : « %(title)s » (%(category)s, priorité %(priority)s).") % {
        "name": ticket.contact_name or ticket.contact_email, "title": ticket.title,
        "category": ticket.get_category_display(), "priority": ticket.get_priority_display().lower(),
    }
    urgent = ticket.priority in (Ticket.Priority.URGENTE, Ticket.Priority.CRITIQUE)
    for member in User.objects.filter(role=User.Role.ADMIN, is_active=True):
        notify(user=member, type=Notification.Type.INFO, title=title, message=text, action_url=url,
               data={"ticket": ticket.number},
               priority=Notification.Priority.HAUTE if urgent else Notification.Priority.NORMALE)
    queue_templated_email(template="support_ticket_new", to=settings.SUPPORT_EMAIL, context={
        "number": str(ticket.number), "title": ticket.title, "name": ticket.contact_name,
        "category": ticket.get_category_display(), "priority": ticket.get_priority_display(),
        "source": ticket.get_source_display(), "description": ticket.description, "path": url,
    })


# --- Messages in a ticket's conversation --------------------------------------------

def ticket_on_message(*, message):
    """Keep a ticket in step with a message written in its conversation
    (messaging calls this inside its transaction, the conversation locked).

    Staff: the first answer stamps first_response_at (the SLA moves on to the
    resolution deadline) and an OUVERT ticket becomes EN_COURS; a visitor's
    ticket gets the answer by e-mail, with a link to reply. The requester (or
    the visitor): a ticket waiting for them (EN_ATTENTE, RESOLU) is back
    EN_COURS and the clock runs again. Nobody writes in a closed ticket.
    """
    conversation = message.conversation
    if conversation.kind != conversation.Kind.SUPPORT:
        return
    locked = Ticket.objects.select_for_update().filter(conversation_id=conversation.pk).first()
    if locked is None:
        return  # the request itself, posted while ticket_open writes the ticket
    sender, now = message.sender, message.created_at
    if sender is None:
        roles = {VISITOR} if message.visitor_email and locked.is_from_visitor else set()
    else:
        roles = _roles_of(locked, sender)
    if STAFF in roles:
        _check(locked=locked, action="reply", roles=roles)
        _staff_answered(locked, message=message, now=now)
    else:
        _check(locked=locked, action="client_reply", roles=roles)
        if locked.status in (S.EN_ATTENTE, S.RESOLU):
            _set_status(locked, S.EN_COURS, by=sender, now=now, note=gettext("Réponse du demandeur"))
    locked.save()


def _staff_answered(locked, *, message, now):
    if locked.first_response_at is None:
        locked.first_response_at = now
        _record(ticket=locked, kind=E.REPLY, by=message.sender, note=gettext("Première réponse"))
    if locked.status == S.OUVERT:
        _set_status(locked, S.EN_COURS, by=message.sender, now=now)
    sla.sla_refresh(locked)
    if locked.is_from_visitor:
        queue_templated_email(template="support_reply_visitor", to=locked.visitor_email, context={
            "ticket_id": str(locked.pk), "message_id": message.pk,
        })


# --- Staff actions -----------------------------------------------------------------

def _staff_action(*, ticket, action, by):
    """Lock the ticket and check ``action`` is ``by``'s (inside a transaction)."""
    locked = _lock(ticket)
    _check(locked=locked, action=action, roles=_roles_of(locked, by))
    return locked


def ticket_take(*, ticket, by):
    """A staff member takes the ticket for themself (OUVERT → EN_COURS).
    Taking one's own ticket again changes nothing; another's is refused
    (two people clicking at once: the second is told who has it)."""
    with transaction.atomic():
        locked = _staff_action(ticket=ticket, action="take", by=by)
        if locked.assigned_to_id == by.pk:
            return locked
        if locked.assigned_to_id is not None:
            raise TicketError(
                _("Ce ticket est déjà pris en charge par %(name)s.") % {"name": locked.assigned_to.get_full_name()},
                code="taken",
            )
        locked.assigned_to = by
        _record(ticket=locked, kind=E.ASSIGNMENT, by=by, to_value=by.get_full_name())
        if locked.status == S.OUVERT:
            _set_status(locked, S.EN_COURS, by=by, now=timezone.now())
        locked.save()
        conversation_join(conversation=locked.conversation, user=by)
    return locked


def ticket_assign(*, ticket, to, by):
    """Give the ticket to a staff member (or to nobody: ``to`` None)."""
    if to is not None and not (to.is_admin and to.is_active):
        raise TicketError(_("Choisissez un membre de l'équipe."), code="assignee")
    with transaction.atomic():
        locked = _staff_action(ticket=ticket, action="assign", by=by)
        if locked.assigned_to_id == (to.pk if to else None):
            return locked
        before = locked.assigned_to.get_full_name() if locked.assigned_to_id else ""
        locked.assigned_to = to
        locked.save()
        _record(ticket=locked, kind=E.ASSIGNMENT, by=by, from_value=before, to_value=to.get_full_name() if to else "")
        if to is not None:
            conversation_join(conversation=locked.conversation, user=to)
            if to.pk != by.pk:
                outbox_task_queue(task=tasks.announce_assignment,
                                  kwargs={"ticket_id": str(locked.pk), "assignee_id": str(to.pk)})
    return locked


def ticket_set_priority(*, ticket, priority, by):
    """A new priority: its deadlines count from now."""
    if priority not in Ticket.Priority.values:
        raise TicketError(_("Priorité inconnue."), code="priority")
    with transaction.atomic():
        locked = _staff_action(ticket=ticket, action="set_priority", by=by)
        if locked.priority == priority:
            return locked
        before, now = locked.priority, timezone.now()
        locked.priority = priority
        if locked.paused_at is not None:
            locked.paused_at = now  # only the wait after the change pushes the new deadlines back
        sla.sla_set_due_times(locked, start=now)
        locked.save()
        _record(ticket=locked, kind=E.PRIORITY, by=by, from_value=before, to_value=priority)
    return locked


def ticket_set_category(*, ticket, category, by):
    if category not in Ticket.Category.values:
        raise TicketError(_("Catégorie inconnue."), code="category")
    with transaction.atomic():
        locked = _staff_action(ticket=ticket, action="set_category", by=by)
        if locked.category != category:
            before, locked.category = locked.category, category
            locked.save()
            _record(ticket=locked, kind=E.CATEGORY, by=by, from_value=before, to_value=category)
    return locked


def ticket_set_status(*, ticket, status, by, note=""):
    """Staff move a ticket: EN_ATTENTE (waiting for the client: the clock
    stops), RESOLU, ANNULE (spam, duplicate) or back to EN_COURS."""
    action = STATUS_ACTIONS.get(status)
    if action is None:
        raise TicketError(_("Ce statut ne se choisit pas ici."), code="status")
    with transaction.atomic():
        locked = _staff_action(ticket=ticket, action=action, by=by)
        _set_status(locked, status, by=by, now=timezone.now(), note=note)
        locked.save()
        if status == S.RESOLU and locked.requester_id:
            outbox_task_queue(task=tasks.announce_resolved, kwargs={"ticket_id": str(locked.pk)})
    return locked


def ticket_reply(*, ticket, by, content, attachments=(), set_waiting=False, client_token=None):
    """Staff answer in the ticket's conversation (signed « Équipe Staka
    Livres »); ticket_on_message does the rest. ``set_waiting``: the answer
    asks the client something, the ticket waits for them (EN_ATTENTE)."""
    if STAFF not in _roles_of(ticket, by):
        raise TicketError(_("Vous ne pouvez pas effectuer cette action sur ce ticket."), code="forbidden")
    with transaction.atomic():
        message = message_send(conversation=ticket.conversation, sender=by, content=content, attachments=attachments,
                               signed_as_team=True, client_token=client_token)
        if set_waiting and not message.already_sent:
            locked = _staff_action(ticket=ticket, action="wait", by=by)
            _set_status(locked, S.EN_ATTENTE, by=by, now=timezone.now())
            locked.save()
    return message


# --- The requester's actions -----------------------------------------------------------

def ticket_reply_by_client(*, ticket, by, content, attachments=(), client_token=None):
    """The requester answers; a ticket waiting for them is back EN_COURS
    (ticket_on_message)."""
    if REQUESTER not in _roles_of(ticket, by):
        raise TicketError(_("Vous ne pouvez pas effectuer cette action sur ce ticket."), code="forbidden")
    return message_send(conversation=ticket.conversation, sender=by, content=content, attachments=attachments,
                        client_token=client_token)


def ticket_confirm_resolved(*, ticket, by):
    """« Mon problème est résolu »: RESOLU → FERME."""
    with transaction.atomic():
        locked = _lock(ticket)
        _check(locked=locked, action="confirm_resolved", roles=_roles_of(locked, by))
        _set_status(locked, S.FERME, by=by, now=timezone.now())
        locked.save()
    return locked


def ticket_rate(*, ticket, by, score, comment=""):
    """The requester rates the answer once the ticket is closed, once."""
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise TicketError(_("Choisissez une note de 1 à 5."), code="score")
    comment = (comment or "").strip()[:2000]
    with transaction.atomic():
        locked = _lock(ticket)
        _check(locked=locked, action="rate", roles=_roles_of(locked, by))
        if locked.satisfaction_at is not None:
            raise TicketError(_("Vous avez déjà donné votre avis sur ce ticket."), code="already_rated")
        locked.satisfaction_score, locked.satisfaction_comment = score, comment
        locked.satisfaction_at = timezone.now()
        locked.save()
        _record(ticket=locked, kind=E.RATING, by=by, to_value=score, note=comment)
    return locked


# --- A visitor's reply link -------------------------------------------------------------

def visitor_reply_token(*, ticket, message):
    """The signed link a visitor gets with a staff answer: it names the
    ticket and the answer (not the visitor's address)."""
    return signing.dumps({"t": str(ticket.pk), "m": message.pk}, salt=REPLY_LINK_SALT, compress=True)


def visitor_reply_target(*, token):
    """(ticket, staff message) a link names; raises signing.BadSignature
    (forged, tampered or expired) or Ticket.DoesNotExist."""
    data = signing.loads(token, salt=REPLY_LINK_SALT, max_age=REPLY_LINK_MAX_AGE)
    ticket = Ticket.objects.select_related("conversation").get(pk=data["t"], requester__isnull=True)
    message = Message.objects.filter(
        pk=data["m"], conversation_id=ticket.conversation_id, sender__isnull=False
    ).first()
    if message is None:
        raise Ticket.DoesNotExist
    return ticket, message


def reply_link_used(*, message):
    return ReplyLinkUse.objects.filter(staff_message=message).exists()


def ticket_reply_by_visitor(*, ticket, staff_message, content, attachments=()):
    """A visitor answers through the link of ``staff_message`` (checked by
    visitor_reply_target): one answer per link."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                ReplyLinkUse.objects.create(staff_message=staff_message, ticket=ticket)
        except IntegrityError:
            raise TicketError(
                _("Ce lien a déjà servi : vous recevrez un nouveau lien avec notre prochaine réponse."),
                code="link_used",
            ) from None
        message = message_post_from_visitor(conversation=ticket.conversation, name=ticket.visitor_name,
                                            email=ticket.visitor_email, content=content, attachments=attachments)
    return message


def reply_email_context(context):
    """The visitor's e-mail with a staff answer: the link is made at send
    time (core.emails keeps no token in the outbox)."""
    ticket = Ticket.objects.filter(pk=context["ticket_id"]).first()
    message = Message.objects.filter(pk=context["message_id"]).first()
    if ticket is None or message is None or ticket.status in Ticket.FINAL_STATUSES:
        raise StaleEmail("ticket closed or gone")
    path = reverse("support:visitor_reply", args=[visitor_reply_token(ticket=ticket, message=message)])
    return {**context, "name": ticket.visitor_name, "number": str(ticket.number), "title": ticket.title,
            "content": message.content, "reply_path": path, "days": REPLY_LINK_MAX_AGE.days}


# --- The platform: auto-close, SLA sweeper ----------------------------------------------

def tickets_auto_close(*, now=None):
    """Close resolved tickets nobody confirmed or reopened within
    SUPPORT_AUTO_CLOSE_DAYS. Idempotent: each one is checked again under
    its lock (the client may have answered meanwhile)."""
    now = now or timezone.now()
    limit = now - timedelta(days=settings.SUPPORT_AUTO_CLOSE_DAYS)
    closed = 0
    for pk in Ticket.objects.filter(status=S.RESOLU, resolved_at__lte=limit).values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            locked = Ticket.objects.select_for_update().get(pk=pk)
            if locked.status != S.RESOLU or locked.resolved_at > limit:
                continue
            _set_status(locked, S.FERME, by=None, now=now, note=gettext("Fermeture automatique"))
            locked.save()
            closed += 1
    return closed


def tickets_sla_sweep(*, now=None):
    """Announce, once per deadline, tickets about to breach (75 % of the
    time used) and breached ones: to their assignee, or to every staff
    member when nobody has them. The claim is a conditional UPDATE, so two
    sweeps at once announce nothing twice. Returns (warned, breached)."""
    now = now or timezone.now()
    breached = _announce_once(Ticket.objects.filter(sla_due_at__lte=now), "breach_announced_for", breached=True)
    warned = _announce_once(Ticket.objects.filter(sla_warn_at__lte=now, sla_due_at__gt=now),
                            "warning_announced_for", breached=False)
    return warned, breached


def _announce_once(due, field, *, breached):
    """Claim and announce each ticket of ``due`` whose current deadline is
    not yet in ``field``."""
    count = 0
    for pk, deadline in due.exclude(**{field: F("sla_due_at")}).values_list("pk", "sla_due_at")[:500]:
        with transaction.atomic():
            # A breach covers the warning of the same deadline.
            claimed = {field: deadline, **({"warning_announced_for": deadline} if breached else {})}
            if not Ticket.objects.filter(pk=pk, sla_due_at=deadline).exclude(**{field: deadline}).update(**claimed):
                continue
            if breached:
                _record(ticket=Ticket(pk=pk), kind=E.SLA, by=None, to_value=gettext("Échéance dépassée"))
            outbox_task_queue(task=tasks.announce_sla, kwargs={"ticket_id": str(pk), "breached": breached})
            count += 1
    return count


# --- Announcements (run by the outbox tasks) ------------------------------------------------

def ticket_conversation_url(conversation, user):
    """A ticket's conversation is read on the ticket's page (messaging's
    notifications link there): the staff page for the team, the client's
    page for its requester."""
    if conversation.kind != conversation.Kind.SUPPORT:
        return None
    ticket = Ticket.objects.filter(conversation_id=conversation.pk).only("number", "requester_id").first()
    if ticket is None:
        return None
    if user.is_admin:
        return reverse("support:staff_ticket", args=[ticket.number])
    if ticket.requester_id == user.pk:
        return reverse("support:ticket_detail", args=[ticket.number])
    return None


def _staff_url(ticket):
    return reverse("support:staff_ticket", args=[ticket.number])


def announce_sla(*, ticket_id, breached):
    ticket = Ticket.objects.select_related("assigned_to").filter(pk=ticket_id).first()
    if ticket is None or ticket.sla_due_at is None:
        return
    if ticket.assigned_to_id and ticket.assigned_to.is_active:
        people = [ticket.assigned_to]
    else:
        people = list(User.objects.filter(role=User.Role.ADMIN, is_active=True))
    args = {"number": ticket.number, "title": ticket.title}
    if breached:
        title = gettext("Échéance dépassée : ticket n° %(number)s") % args
        text = gettext("Le ticket « %(title)s » a dépassé son échéance.") % args
    else:
        title = gettext("Échéance proche : ticket n° %(number)s") % args
        text = gettext("Le ticket « %(title)s » arrive à son échéance.") % args
    for person in people:
        notify(user=person, type=Notification.Type.ERROR if breached else Notification.Type.WARNING, title=title,
               message=text, action_url=_staff_url(ticket), data={"ticket": ticket.number},
               priority=Notification.Priority.URGENTE if breached else Notification.Priority.HAUTE,
               email_kind="support" if breached else None)


def announce_assignment(*, ticket_id, assignee_id):
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    assignee = User.objects.filter(pk=assignee_id, is_active=True).first()
    if ticket is None or assignee is None:
        return
    notify(user=assignee, type=Notification.Type.INFO,
           title=gettext("Ticket n° %(number)s pour vous") % {"number": ticket.number},
           message=gettext("On vous a confié le ticket « %(title)s ».") % {"title": ticket.title},
           action_url=_staff_url(ticket), data={"ticket": ticket.number})


def announce_resolved(*, ticket_id):
    ticket = Ticket.objects.select_related("requester").filter(pk=ticket_id).first()
    if ticket is None or ticket.requester is None or not ticket.requester.is_active:
        return
    notify(user=ticket.requester, type=Notification.Type.SUCCESS,
           title=gettext("Votre demande n° %(number)s est résolue") % {"number": ticket.number},
           message=gettext("Confirmez que tout est réglé, ou répondez-nous si ce n'est pas le cas : sans réponse, "
                           "la demande sera fermée dans %(days)s jours.") % {"days": settings.SUPPORT_AUTO_CLOSE_DAYS},
           action_url=reverse("support:ticket_detail", args=[ticket.number]), data={"ticket": ticket.number},
           email_kind="support")
