"""The order workflow. Each action allows exactly its own move for its own
role (the ACTIONS table); every status change goes through `_transition`,
which checks that under a row lock and records it."""

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.services import user_register
from core.audit import Severity, audit_record
from core.outbox import outbox_task_queue
from core.registry import current_terms, order_purge_hooks
from core.templatetags.formatting import euros
from files.models import StoredFile
from files.services import stored_file_create, stored_file_purge_content, stored_file_soft_delete
from files.validation import MANUSCRIPT_KINDS

from . import events, pricing, tasks
from .models import Order, OrderEvent, OrderRating, Service
from .pending_uploads import pending_upload_open, pending_upload_store, pending_uploads_discard
from .selectors import order_page_changed

logger = logging.getLogger(__name__)

S = Order.Status
CLIENT, CORRECTOR, STAFF, SYSTEM = "client", "corrector", "staff", "system"

# Before this point the client may still add or remove manuscripts.
WORK_NOT_STARTED = (*Order.AWAITING_STATUSES, S.PAYEE)
# A corrector can be given the order once it is paid for.
ASSIGNABLE = Order.ACTIVE_STATUSES
SUSPENDABLE = (*Order.AWAITING_STATUSES, S.PAYEE, S.EN_COURS, S.LIVREE)
ANY_STATUS = tuple(S)


@dataclass(frozen=True)
class Move:
    """What one action may do: from which statuses, for whom, to which status.

    `to` is None for an action that changes no status (assign, uploads, the
    corrector's note) and a callable for resume (back to where it was).
    """

    from_: frozenset
    roles: frozenset
    to: object = None


def _move(from_, roles, to=None):
    return Move(from_=frozenset(from_), roles=frozenset(roles), to=to)


def _status_before_suspension(locked):
    return locked.status_before_suspension


# action -> the one move it allows, for its own roles. Anything else is refused:
# no action reaches a move that belongs to another (a client cannot "start" a
# delivered order to reopen it without counting a revision). The services
# enforce it under a row lock; order_permissions() shows buttons from it.
ACTIONS = {
    # The team checked the pages and sends the final price.
    "send_quote": _move({S.EN_ATTENTE_VERIFICATION}, {STAFF}, S.ESTIMATION_ENVOYEE),
    "accept_quote": _move({S.ESTIMATION_ENVOYEE}, {CLIENT}, S.EN_ATTENTE),
    "decline_quote": _move({S.ESTIMATION_ENVOYEE}, {CLIENT}, S.ANNULEE),
    # The client opens a checkout (billing); the payment provider's webhook then marks it paid.
    "pay": _move({S.EN_ATTENTE}, {CLIENT}),
    "mark_paid": _move({S.EN_ATTENTE}, {SYSTEM, STAFF}, S.PAYEE),
    # A 0 € order needs no payment: it goes straight to the correctors.
    "mark_free": _move({S.EN_ATTENTE}, {SYSTEM}, S.PAYEE),
    "assign": _move(ASSIGNABLE, {STAFF, SYSTEM}),
    "start": _move({S.PAYEE}, {CORRECTOR}, S.EN_COURS),
    "upload_deliverable": _move({S.EN_COURS}, {CORRECTOR}),
    "deliver": _move({S.EN_COURS}, {CORRECTOR}, S.LIVREE),
    "accept_delivery": _move({S.LIVREE}, {CLIENT}, S.TERMINE),
    "auto_finish": _move({S.LIVREE}, {SYSTEM}, S.TERMINE),
    "request_revision": _move({S.LIVREE}, {CLIENT}, S.EN_COURS),
    "upload_manuscript": _move(WORK_NOT_STARTED, {CLIENT}),
    "delete_manuscript": _move(WORK_NOT_STARTED, {CLIENT}),
    "delete_file": _move(ANY_STATUS, {STAFF}),
    "corrector_note": _move(ANY_STATUS, {CORRECTOR, STAFF}),
    # The client may cancel until work is paid for; staff any time (refunds: billing).
    "cancel": _move(Order.AWAITING_STATUSES, {CLIENT, STAFF}, S.ANNULEE),
    # SYSTEM: a full refund reported by the payment provider.
    "cancel_paid": _move(Order.ACTIVE_STATUSES, {STAFF, SYSTEM}, S.ANNULEE),
    "suspend": _move(SUSPENDABLE, {STAFF}, S.SUSPENDUE),
    "resume": _move({S.SUSPENDUE}, {STAFF}, _status_before_suspension),
    # Once accepted (or auto-finished), the client rates the work, once.
    "rate": _move({S.TERMINE}, {CLIENT}),
}


class OrderError(ValidationError):
    """A refused action; its message is shown to the user as is."""


def _roles_of(order, user):
    if user is None:
        return {SYSTEM}
    roles = set()
    if user.is_admin:
        roles.add(STAFF)
    if order.client_id == user.pk:
        roles.add(CLIENT)
    if order.corrector_id is not None and order.corrector_id == user.pk:
        roles.add(CORRECTOR)
    return roles


def _record(*, order, kind, by, note="", from_status="", to_status=""):
    return OrderEvent.objects.create(
        order=order, kind=kind, actor=by, note=note, from_status=from_status, to_status=to_status
    )


def order_may(*, order, user, action):
    """Whether `user` may run `action` on `order` as it is now (no lock)."""
    move = ACTIONS[action]
    return order.status in move.from_ and bool(move.roles & _roles_of(order, user))


def _check_action(*, locked, action, by):
    """Refuse `action` unless it is `by`'s own and the order's status allows it."""
    move = ACTIONS[action]
    if not move.roles & _roles_of(locked, by):
        raise OrderError(_("Vous ne pouvez pas effectuer cette action sur cette commande."), code="forbidden")
    if locked.status not in move.from_:
        raise OrderError(
            _("Action impossible : la commande est « %(current)s ».") % {"current": locked.status_label},
            code="invalid_transition",
        )
    return move


def _transition(*, order, action, by, note="", check=None, request=None, **changes):
    """Run `action`'s status move on `order` under a row lock; return the fresh order.

    `check(locked_order)` may refuse with OrderError (or adjust the locked
    row) after the lock is taken, so two concurrent clicks cannot both pass it.
    """
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        move = _check_action(locked=locked, action=action, by=by)
        to = move.to(locked) if callable(move.to) else move.to
        if check:
            check(locked)
        from_status = locked.status
        locked.status = to
        for field, value in changes.items():
            setattr(locked, field, value)
        locked.save()
        _record(order=locked, kind=OrderEvent.Kind.STATUS, by=by, note=note, from_status=from_status, to_status=to)
        audit_record(action="order.status", actor=by, target=locked, request=request, severity=Severity.MEDIUM,
                     details={"move": action, "from": from_status, "to": to})
        outbox_task_queue(task=tasks.announce_order_transition, kwargs={
            "order_id": str(locked.pk), "from_status": from_status, "to_status": to,
            "actor_id": str(by.pk) if getattr(by, "pk", None) else None, "note": str(note),
        })
    logger.info("order %s: %s %s -> %s by %s", locked.pk, action, from_status, to, getattr(by, "pk", "system"))
    return locked


# --- Ordering -------------------------------------------------------------

def order_quote(*, service, pages, urgent):
    """The server's price for an order form (also the live calculator)."""
    if service.is_per_page and not (pricing.MIN_PAGES <= (pages or 0) <= pricing.MAX_PAGES):
        raise OrderError(
            _("Le nombre de pages doit être compris entre %(min)s et %(max)s.")
            % {"min": pricing.MIN_PAGES, "max": pricing.MAX_PAGES},
            code="pages",
        )
    return pricing.quote_for(service=service, pages=pages, urgent=urgent)


def order_id_for_submission(submission):
    """The id of the order an order form's one-time key makes (see order_create)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"staka:order:{submission}")


def order_terms_missing_message():
    """Why nobody may order while no CGV is published (the form says it too)."""
    return _("La commande en ligne n'est pas encore ouverte : nos conditions générales de vente ne sont pas "
             "publiées. Écrivez-nous à %(email)s pour commander.") % {"email": settings.SUPPORT_EMAIL}


def order_terms_to_accept(*, shown_version):
    """The CGV revision a person accepts by ticking the order form's box:
    the current one, which must be the version the form showed
    (``shown_version``, its number). Raises OrderError when no CGV is
    published (nobody may order then) or when a newer version came out since
    the form was displayed (the person has not read it)."""
    current = current_terms()
    if current is None:
        raise OrderError(order_terms_missing_message(), code="no_terms")
    if shown_version != current.number:
        raise OrderError(
            _("Nos conditions générales de vente ont changé depuis l'affichage de ce formulaire : lisez la "
              "version %(number)s, puis cochez de nouveau la case pour l'accepter.") % {"number": current.number},
            code="terms_outdated",
        )
    return current


def order_create(*, client, service, title, description="", declared_pages=None, urgent=False,
                 wished_deadline=None, client_note="", manuscripts=(), submission=None,
                 terms_revision_id=None, terms_accepted_at=None):
    """Create an order with its server-computed price and its manuscripts.

    ``terms_revision_id``: the CGV revision the client accepted (checked by
    order_terms_to_accept when the form was sent), recorded with the moment
    of acceptance (``terms_accepted_at``, now by default). Orders the system
    makes (demo data, imports) carry none.

    Packs that need page verification wait for the team's quote; the others
    wait for payment. ``submission`` (the order form's one-time key) makes a
    resent form idempotent: the order's id comes from it, so the primary key
    refuses a second order — a concurrent submit waits for the first to
    commit — and the client's existing order is returned instead.
    """
    if submission is not None:
        existing = _order_of_submission(client=client, submission=submission)
        if existing is not None:
            return existing
    if not service.is_active:
        raise OrderError(_("Ce service n'est plus proposé."), code="inactive_service")
    quote = order_quote(service=service, pages=declared_pages, urgent=urgent)
    needs_quote = service.needs_page_verification
    stored = []
    ids = {"pk": order_id_for_submission(submission)} if submission is not None else {}
    try:
        with transaction.atomic():
            order = Order.objects.create(
                **ids,
                client=client,
                service=service,
                title=title.strip(),
                description=description.strip(),
                client_note=client_note.strip(),
                declared_pages=declared_pages,
                urgent=urgent,
                priority=Order.Priority.URGENTE if urgent else Order.Priority.NORMALE,
                wished_deadline=wished_deadline,
                estimated_price=quote.total,
                final_price=None if needs_quote else quote.total,
                due_date=pricing.due_date_for(quote=quote, start=timezone.localdate()),
                status=S.EN_ATTENTE_VERIFICATION if needs_quote else S.EN_ATTENTE,
                payment_status="" if needs_quote else "pending",
                terms_revision_id=terms_revision_id,
                terms_accepted_at=(terms_accepted_at or timezone.now()) if terms_revision_id else None,
            )
            _record(order=order, kind=OrderEvent.Kind.CREATED, by=client, to_status=order.status)
            outbox_task_queue(task=tasks.announce_order_created, kwargs={"order_id": str(order.pk)})
            for upload in manuscripts:
                stored.append(
                    stored_file_create(
                        uploaded_file=upload, uploaded_by=client, role=StoredFile.Role.MANUSCRIPT,
                        allowed=MANUSCRIPT_KINDS, order=order,
                    )
                )
            if order.is_free and not needs_quote:  # a pack to verify waits for its quote, even at 0 €
                order = _order_mark_free(order=order)
    except Exception as error:
        # The rows are rolled back; the bytes already written are not.
        for stored_file in stored:
            stored_file.file.storage.delete(stored_file.file.name)
        if isinstance(error, IntegrityError) and submission is not None:
            existing = _order_of_submission(client=client, submission=submission)
            if existing is not None:
                return existing  # the same form, sent twice at once: the other submit made it
        raise
    logger.info("order %s created by %s (%s cents)", order.pk, client.pk, order.price)
    return order


def _order_of_submission(*, client, submission):
    """The order this form's key already made, if it is this client's."""
    order = Order.objects.filter(pk=order_id_for_submission(submission)).first()
    if order is not None and order.client_id != client.pk:
        raise OrderError(_("Ce formulaire a déjà été envoyé. Rechargez la page pour passer une nouvelle commande."),
                         code="submission_used")
    return order


def order_send_quote(*, order, verified_pages, by, request=None):
    """Staff checked the manuscript: the final price follows the real page count."""
    quote = order_quote(service=order.service, pages=verified_pages, urgent=order.urgent)
    order = _transition(
        request=request,
        order=order, action="send_quote", by=by,
        note=_("%(pages)s pages vérifiées") % {"pages": verified_pages},
        verified_pages=verified_pages, final_price=quote.total,
    )
    return order


def order_accept_quote(*, order, by, request=None):
    """The client accepts the quote: it awaits payment, or, at 0 €, goes
    straight to the correctors."""
    with transaction.atomic():
        order = _transition(request=request, order=order, action="accept_quote", by=by, payment_status="pending")
        if order.is_free:
            order = _order_mark_free(order=order)
    return order


def order_decline_quote(*, order, by, request=None):
    return _transition(request=request, order=order, action="decline_quote", by=by, note=_("Devis refusé par le client"))


# --- Payment (called by billing) -------------------------------------------

def order_mark_paid(*, order, amount, by=None, session_id=""):
    """The payment landed: the deadline starts now."""

    def amount_matches(locked):
        if amount != locked.price:
            raise OrderError(_("Le montant payé ne correspond pas au prix de la commande."), code="amount_mismatch")

    def paid_for_real(locked):
        if locked.is_free:
            raise OrderError(_("Cette commande est offerte : elle ne se paie pas."), code="free_order")
        amount_matches(locked)

    changes = {"amount": amount, "paid_at": timezone.now(), "payment_status": "succeeded", **_due_date_from_today(order)}
    if session_id:
        changes["stripe_session_id"] = session_id
    order = _transition(order=order, action="mark_paid", by=by, check=paid_for_real, **changes)
    return _auto_assign(order=order)


def _order_mark_free(*, order):
    """A 0 € order (10 pages or fewer, or a quote at 0 €) skips payment: no
    checkout, no Payment, no invoice; it goes straight to the correctors.
    `paid_at` stays empty: nothing was paid."""

    def still_free(locked):
        if not locked.is_free:
            raise OrderError(_("Cette commande n'est pas offerte."), code="not_free")

    order = _transition(
        order=order, action="mark_free", by=None, check=still_free,
        note=_("Commande offerte : aucun paiement n'est demandé."),
        amount=0, payment_status=Order.PAYMENT_STATUS_FREE, **_due_date_from_today(order),
    )
    return _auto_assign(order=order)


def _due_date_from_today(order):
    """The deadline counts from the day the order enters the queue."""
    if not order.service:
        return {}
    quote = pricing.quote_for(service=order.service, pages=order.pages, urgent=order.urgent)
    return {"due_date": pricing.due_date_for(quote=quote, start=timezone.localdate())}


def _auto_assign(*, order):
    if settings.ORDERS_AUTO_ASSIGN:
        corrector = least_loaded_corrector()
        if corrector:
            order = order_assign_corrector(order=order, corrector=corrector, by=None)
    return order


# --- Back-office edits ----------------------------------------------------------

# What the price follows: editable in the back office until the order is paid for.
PRICE_INPUTS = ("service", "declared_pages", "verified_pages", "urgent")
# Free text: the history says it changed, not what it says.
TEXT_FIELDS = ("description", "client_note", "corrector_note")
# Fields the team may edit in the back office. The client never changes once
# the order exists (it would hand the invoice and the manuscripts to someone
# else); status, prices, payment and the corrector move through their services.
EDITABLE_FIELDS = (*PRICE_INPUTS, *TEXT_FIELDS, "title", "priority", "wished_deadline", "due_date")


def order_price_inputs_locked(order):
    """Service, pages and urgency stay as paid for once the order left the
    awaiting statuses (paid, free, or cancelled)."""
    return order.status not in Order.AWAITING_STATUSES or order.paid_at is not None


def order_update_details(*, order, by, **changes):
    """A back-office edit of `order`: only EDITABLE_FIELDS, price inputs only
    before payment (the price then follows them), one history line naming
    each change. Returns the fresh order."""
    if not (by is not None and by.is_admin):
        raise OrderError(_("Seule l'équipe peut modifier une commande."), code="forbidden")
    refused = set(changes) - set(EDITABLE_FIELDS)
    if refused:
        raise OrderError(
            _("Ces champs ne se modifient pas ici : %(fields)s.") % {"fields": ", ".join(sorted(refused))},
            code="not_editable",
        )
    with transaction.atomic():
        locked = Order.objects.select_for_update().select_related("service").get(pk=order.pk)
        changed = {field: value for field, value in changes.items() if getattr(locked, field) != value}
        if not changed:
            return locked
        reprice = bool(set(changed) & set(PRICE_INPUTS))
        if reprice and order_price_inputs_locked(locked):
            raise OrderError(
                _("La commande est « %(current)s » : le service, les pages et l'urgence ne se modifient plus.")
                % {"current": locked.status_label},
                code="price_locked",
            )
        lines = []
        for field, value in changed.items():
            label = Order._meta.get_field(field).verbose_name
            if field in TEXT_FIELDS:
                lines.append(_("%(field)s modifié") % {"field": label})
            else:
                lines.append(_("%(field)s : %(old)s → %(new)s") % {
                    "field": label, "old": _display(getattr(locked, field)), "new": _display(value),
                })
            setattr(locked, field, value)
        if reprice:
            old_price = locked.price
            if locked.service is None:
                raise OrderError(_("Choisissez un service."), code="service")
            estimate = order_quote(service=locked.service, pages=locked.declared_pages, urgent=locked.urgent)
            locked.estimated_price = estimate.total
            if locked.final_price is not None:
                locked.final_price = order_quote(service=locked.service, pages=locked.pages, urgent=locked.urgent).total
            if "urgent" in changed and "priority" not in changed:
                locked.priority = Order.Priority.URGENTE if locked.urgent else Order.Priority.NORMALE
            if locked.price != old_price:
                lines.append(_("prix : %(old)s → %(new)s") % {"old": euros(old_price), "new": euros(locked.price)})
        locked.save()
        _record(order=locked, kind=OrderEvent.Kind.EDIT, by=by, note="; ".join(str(line) for line in lines))
        if reprice and locked.status == S.EN_ATTENTE and locked.is_free:
            locked = _order_mark_free(order=locked)
    logger.info("order %s edited by %s: %s", locked.pk, by.pk, ", ".join(changed))
    return locked


def _display(value):
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)


# --- Assignment -------------------------------------------------------------

def least_loaded_corrector():
    return (
        User.objects.filter(role=User.Role.CORRECTOR, is_active=True)
        .annotate(load=Count("assigned_orders", filter=Q(assigned_orders__status__in=ASSIGNABLE)))
        .order_by("load", "created_at")
        .first()
    )


def order_auto_assign(*, order, by):
    """The admin's "least loaded corrector" action: assigns an order that has
    no corrector yet. Under the order's lock, so that the action pressed twice
    (two staff, a double click) assigns once instead of moving the order from
    one corrector to the next as their loads change. Reassigning is the
    explicit "assign" button."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.corrector_id:
            raise OrderError(_("Cette commande a déjà un correcteur."), code="already_assigned")
        corrector = least_loaded_corrector()
        if corrector is None:
            raise OrderError(_("Aucun correcteur actif."), code="no_corrector")
        return order_assign_corrector(order=locked, corrector=corrector, by=by)


def order_assign_corrector(*, order, corrector, by, request=None):
    """Staff (or the auto-assignment, by=None) give the order to a corrector."""
    if by is not None and not by.is_admin:
        raise OrderError(_("Seule l'équipe peut affecter un correcteur."), code="forbidden")
    if corrector.role != User.Role.CORRECTOR or not corrector.is_active:
        raise OrderError(_("Cette personne n'est pas un correcteur actif."), code="not_corrector")
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status not in ACTIONS["assign"].from_:
            raise OrderError(
                _("On ne peut affecter un correcteur qu'à une commande payée (statut actuel : « %(current)s »).")
                % {"current": locked.status_label},
                code="not_assignable",
            )
        if locked.corrector_id == corrector.pk:
            return locked
        previous = locked.corrector
        locked.corrector = corrector
        locked.save(update_fields=["corrector", "updated_at"])
        note = corrector.get_full_name()
        if previous:
            note = _("%(old)s → %(new)s") % {"old": previous.get_full_name(), "new": note}
        _record(order=locked, kind=OrderEvent.Kind.ASSIGNMENT, by=by, note=note)
        audit_record(action="order.assign", actor=by, target=locked, request=request, severity=Severity.MEDIUM,
                     details={"corrector": str(corrector.pk), "previous": str(previous.pk) if previous else None})
        outbox_task_queue(task=tasks.announce_order_assignment,
                          kwargs={"order_id": str(locked.pk), "corrector_id": str(corrector.pk)})
    return locked


# --- The corrector's work --------------------------------------------------

def order_start(*, order, by, request=None):
    return _transition(request=request, order=order, action="start", by=by)


def order_deliver(*, order, by, note="", request=None):
    def has_deliverable(locked):
        if not locked.files.alive().filter(role=StoredFile.Role.DELIVERABLE).exists():
            raise OrderError(_("Déposez au moins un fichier corrigé avant de livrer."), code="no_deliverable")

    return _transition(request=request, order=order, action="deliver", by=by, note=note, check=has_deliverable,
                       delivered_at=timezone.now())


def order_set_corrector_note(*, order, by, note):
    if not ACTIONS["corrector_note"].roles & _roles_of(order, by):
        raise OrderError(_("Vous ne pouvez pas modifier cette note."), code="forbidden")
    with transaction.atomic():
        Order.objects.filter(pk=order.pk).update(corrector_note=note.strip(), updated_at=timezone.now())
    order_page_changed(sender=Order, instance=order)  # a bare UPDATE sends no post_save
    order.corrector_note = note.strip()
    return order


# --- The client's decision --------------------------------------------------

def order_accept_delivery(*, order, by, request=None):
    now = timezone.now()
    return _transition(request=request, order=order, action="accept_delivery", by=by, accepted_at=now, finished_at=now)


def order_request_revision(*, order, by, comment, request=None):
    comment = (comment or "").strip()
    if not comment:
        raise OrderError(_("Expliquez ce que le correcteur doit revoir."), code="comment_required")

    def within_included_revisions(locked):
        if locked.revision_count >= settings.ORDER_INCLUDED_REVISIONS:
            raise OrderError(
                _("Les %(count)s révisions incluses ont été utilisées. Écrivez-nous pour une révision supplémentaire.")
                % {"count": settings.ORDER_INCLUDED_REVISIONS},
                code="revision_limit",
            )
        locked.revision_count += 1  # counted under the lock

    return _transition(
        request=request,
        order=order, action="request_revision", by=by, note=comment, check=within_included_revisions,
        delivered_at=None,
    )


def orders_auto_finish(*, now=None):
    """Deliveries nobody answered for ORDER_AUTO_FINISH_DAYS are accepted. Idempotent."""
    now = now or timezone.now()
    limit = now - timedelta(days=settings.ORDER_AUTO_FINISH_DAYS)
    finished = 0
    for order in Order.objects.filter(status=S.LIVREE, delivered_at__lte=limit).only("pk"):
        try:
            _transition(
                order=order, action="auto_finish", by=None, note=ngettext("Acceptée automatiquement après %(days)s jour", "Acceptée automatiquement après %(days)s jours",
                                                         settings.ORDER_AUTO_FINISH_DAYS) % {"days": settings.ORDER_AUTO_FINISH_DAYS},
                finished_at=now,
            )
            finished += 1
        except OrderError:
            continue  # changed meanwhile (the client answered): nothing to do
    return finished


# --- Staff controls ---------------------------------------------------------

def order_suspend(*, order, by, note="", request=None):
    def remember_status(locked):
        locked.status_before_suspension = locked.status

    return _transition(request=request, order=order, action="suspend", by=by, note=note, check=remember_status)


def order_resume(*, order, by, note="", request=None):
    def was_suspended(locked):
        if not locked.status_before_suspension:
            raise OrderError(_("Cette commande n'est pas suspendue."), code="not_suspended")
        locked.status_before_suspension = ""

    return _transition(request=request, order=order, action="resume", by=by, note=note, check=was_suspended)


def order_cancel(*, order, by, note="", request=None):
    """Before payment the client (or staff) cancels; after it, staff or a full
    refund do: two actions, chosen by the current status (a status changed
    meanwhile makes the move refused under the lock)."""
    current = Order.objects.values_list("status", flat=True).get(pk=order.pk)
    action = "cancel" if current in ACTIONS["cancel"].from_ else "cancel_paid"
    return _transition(request=request, order=order, action=action, by=by, note=note, finished_at=timezone.now())


# --- Files ------------------------------------------------------------------

def order_add_manuscript(*, order, uploaded_file, by):
    def client_before_work(locked):
        if not ACTIONS["upload_manuscript"].roles & _roles_of(locked, by):
            raise OrderError(_("Seul le client dépose les manuscrits."), code="forbidden")
        if locked.status not in ACTIONS["upload_manuscript"].from_:
            raise OrderError(
                _("Le travail a commencé : écrivez à votre correcteur pour lui envoyer un fichier."), code="started"
            )

    return _attach_file(order=order, uploaded_file=uploaded_file, by=by, role=StoredFile.Role.MANUSCRIPT,
                        check=client_before_work)


def order_add_deliverable(*, order, uploaded_file, by):
    def corrector_at_work(locked):
        if not ACTIONS["upload_deliverable"].roles & _roles_of(locked, by):
            raise OrderError(_("Seul le correcteur affecté dépose les fichiers corrigés."), code="forbidden")
        if locked.status not in ACTIONS["upload_deliverable"].from_:
            raise OrderError(_("Commencez la correction avant de déposer un fichier corrigé."), code="not_started")

    return _attach_file(order=order, uploaded_file=uploaded_file, by=by, role=StoredFile.Role.DELIVERABLE,
                        check=corrector_at_work)


def _attach_file(*, order, uploaded_file, by, role, check):
    # The order row is locked so the status cannot change between the check
    # and the upload (a client adding a file while the corrector starts), and
    # so a double submit cannot attach the same file twice.
    stored = None
    try:
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=order.pk)
            check(locked)
            stored = stored_file_create(
                uploaded_file=uploaded_file, uploaded_by=by, role=role, allowed=MANUSCRIPT_KINDS, order=locked
            )
            same_file = locked.files.alive().filter(role=role, checksum=stored.checksum, original_name=stored.original_name)
            if same_file.exclude(pk=stored.pk).exists():
                raise OrderError(
                    _("« %(name)s » est déjà joint à cette commande.") % {"name": stored.original_name},
                    code="duplicate_file",
                )
            _record(order=locked, kind=OrderEvent.Kind.FILE, by=by, note=stored.original_name)
    except BaseException:
        if stored is not None:  # the row is rolled back; the bytes are not
            stored.file.storage.delete(stored.file.name)
        raise
    return stored


def order_keeps_a_manuscript(order):
    """Paid (or free and in the queue), in the work or done: the correctors
    need its manuscript, so its last one is never deleted."""
    return order.paid_at is not None or order.status in (*Order.ACTIVE_STATUSES, S.TERMINE)


def order_delete_file(*, order, stored_file, by, request=None):
    """Clients remove their own manuscripts before work starts; deliverables
    stay; a paid order keeps at least one manuscript, whoever asks. Recorded
    in the order's history. Deleting a file already gone does nothing."""
    if stored_file.order_id != order.pk:
        raise OrderError(_("Ce fichier n'appartient pas à cette commande."), code="wrong_order")
    with transaction.atomic():
        # The order's lock: two deletions at once cannot both see "another manuscript remains".
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if order_may(order=locked, user=by, action="delete_file"):
            pass  # staff
        elif stored_file.role == StoredFile.Role.DELIVERABLE:
            raise OrderError(_("Un fichier corrigé ne peut pas être supprimé."), code="deliverable")
        elif not order_may(order=locked, user=by, action="delete_manuscript"):
            raise OrderError(_("Ce fichier ne peut plus être supprimé : le travail a commencé."), code="started")
        manuscripts = locked.files.alive().filter(role=StoredFile.Role.MANUSCRIPT)
        if not locked.files.alive().filter(pk=stored_file.pk).exists():
            return stored_file  # already deleted (a second click): nothing more to record
        if (stored_file.role == StoredFile.Role.MANUSCRIPT and order_keeps_a_manuscript(locked)
                and not manuscripts.exclude(pk=stored_file.pk).exists()):
            raise OrderError(
                _("C'est le seul manuscrit de cette commande payée : ajoutez d'abord le nouveau fichier, "
                  "puis supprimez celui-ci."),
                code="last_manuscript",
            )
        stored_file_soft_delete(stored_file=stored_file, by=by, request=request)
        _record(order=locked, kind=OrderEvent.Kind.FILE, by=by,
                note=_("« %(name)s » supprimé") % {"name": stored_file.original_name})
    return stored_file


def order_rate(*, order, by, score, comment=""):
    """The client rates a finished order: 1 to 5 and an optional comment,
    once (a rating is final, so the figures staff read per corrector never
    shift afterwards). The corrector is the one the order has now."""
    if score not in OrderRating.SCORES:
        raise OrderError(_("Choisissez une note entre 1 et 5."), code="score")
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        _check_action(locked=locked, action="rate", by=by)
        if OrderRating.objects.filter(order=locked).exists():
            raise OrderError(_("Vous avez déjà noté cette commande."), code="already_rated")
        try:
            with transaction.atomic():  # a savepoint: the row lock above is kept
                rating = OrderRating.objects.create(
                    order=locked, corrector_id=locked.corrector_id, score=score, comment=comment.strip()
                )
        except IntegrityError:  # a lock-free database (SQLite) let a twin through
            raise OrderError(_("Vous avez déjà noté cette commande."), code="already_rated") from None
    logger.info("order %s: rated %s/5 by %s", locked.pk, score, by.pk)
    return rating


def order_permissions(*, order, user):
    """What `user` may do on `order` now: the buttons the order page shows.

    Derived from the same ACTIONS table the services enforce, so a button is
    never shown for an action that would be refused.
    """
    can = {action: order_may(order=order, user=user, action=action) for action in ACTIONS}
    can["cancel"] = can["cancel"] or can["cancel_paid"]
    can["pay"] = can["pay"] and not order.is_free
    can["request_revision"] = can["request_revision"] and order.revision_count < settings.ORDER_INCLUDED_REVISIONS
    can["delete_manuscript"] = can["delete_manuscript"] or can["delete_file"]
    can["see_corrector_note"] = can["corrector_note"]
    return can


# --- Visitors and housekeeping ------------------------------------------------

def order_quote_is_free(*, service, pages, urgent):
    """Whether an order form's inputs make a 0 € order, which skips payment
    (order_create). A pack whose pages are verified first waits for its quote."""
    return not service.needs_page_verification and order_quote(service=service, pages=pages, urgent=urgent).total == 0


def order_form_recap(*, service, title, pages, urgent):
    """What an order form asked for, priced by the server, as plain data (it
    goes into the session and the outbox): the visitor's confirmation page
    and activation e-mail recap it. From the inputs only, never from an order."""
    quote = order_quote(service=service, pages=pages, urgent=urgent)
    return {
        "title": title.strip(), "service": service.name, "pages": pages, "urgent": bool(urgent),
        "price": quote.total, "free": order_quote_is_free(service=service, pages=pages, urgent=urgent),
        "to_verify": service.needs_page_verification, "days_min": quote.days_min, "days_max": quote.days_max,
    }


def order_request_for_visitor(*, submission, account, manuscripts=(), kept=(), terms_revision_id=None, **order_fields):
    """A visitor's order form, sent (the legacy funnel: an order and an
    inactive account in one step).

    Whether the address has an account must not show, in the answer or in the
    time it takes: this request does the same work for every address — hash
    the password, store the manuscripts under pending-uploads/, queue ONE
    outbox task (``complete_visitor_order``) — and never looks the address up.
    The task then creates the account and the order, or e-mails the owner of
    the address and drops the manuscripts. With a worker (production) the task
    runs after the answer, so both answers take the same time; in the embedded
    mode (eager, no broker) it runs at commit, inside the request: timing
    parity is not claimed there.

    ``manuscripts``: new uploads (checked by the form); ``kept``: (storage key,
    name) of manuscripts already under pending-uploads/. ``submission``: the
    form's one-time key: the same form sent again queues nothing more.
    ``terms_revision_id``: the CGV revision accepted now; the order records
    this moment, however late the task runs.
    Returns False for such a duplicate, else True.
    """
    from .tasks import complete_visitor_order

    password_hash = make_password(account["password"])  # here, for every address; the task does not hash
    stored = [pending_upload_store(upload) for upload in manuscripts]
    service = order_fields["service"]
    deadline = order_fields.get("wished_deadline")
    kwargs = {
        "submission": submission,
        "account": {"email": account["email"], "password_hash": password_hash, "first_name": account["first_name"],
                    "last_name": account["last_name"], "phone": account.get("phone", "")},
        "order": {**order_fields, "service": str(service.pk), "wished_deadline": deadline.isoformat() if deadline else None,
                  "terms_revision_id": terms_revision_id,
                  "terms_accepted_at": timezone.now().isoformat() if terms_revision_id else None},
        "pending": [[key, name] for key, name in [*kept, *stored]],
    }
    try:
        with transaction.atomic():
            record = outbox_task_queue(task=complete_visitor_order, kwargs=kwargs, once_key=submission)
    except BaseException:
        pending_uploads_discard([key for key, _name in stored])
        raise
    if record is None:  # sent twice: the first submit's task has its own copies
        pending_uploads_discard([key for key, _name in stored])
        return False
    return True


def order_complete_for_visitor(*, submission, account, order, pending):
    """The task behind order_request_for_visitor, run once per form
    (``@outbox_once``: its outbox row is marked done, and emptied of the
    password hash, in the same transaction as the effects).

    A new address: an inactive account whose activation e-mail leads to the
    order (to pay it once the address is confirmed), and the order with the
    pending manuscripts. An address with an account: no account, no order;
    its owner is e-mailed (user_register). The pending files go either way.
    Returns what happened: "created" or "account_exists".
    """
    accepted_at = order.get("terms_accepted_at")  # absent from rows queued before CGV acceptance existed
    fields = {**order, "service": Service.objects.get(pk=order["service"]),
              "wished_deadline": date.fromisoformat(order["wished_deadline"]) if order["wished_deadline"] else None,
              "terms_accepted_at": datetime.fromisoformat(accepted_at) if accepted_at else None}
    order_id = order_id_for_submission(submission)
    with transaction.atomic():
        recap = order_form_recap(service=fields["service"], title=fields["title"], pages=fields["declared_pages"],
                                 urgent=fields["urgent"])
        client = user_register(
            **account, attempt="order",
            activation_context={"order_path": Order(pk=order_id).get_absolute_url(),
                                "order_title": recap["title"], "order_free": recap["free"], "order_recap": recap},
        )
        outcome = "account_exists"
        if client is not None:
            manuscripts = [pending_upload_open(key, name) for key, name in pending]
            try:
                order_create(client=client, submission=submission, manuscripts=manuscripts, **fields)
            finally:
                for handle in manuscripts:
                    handle.close()
            outcome = "created"
        pending_uploads_discard([key for key, _name in pending])  # on commit
    logger.info("visitor order %s: %s", order_id, outcome)
    return outcome


def orders_purge_abandoned(*, now=None):
    """Dormant visitor accounts (never activated) whose orders were all left
    before the work began and never paid, older than the limit, go with their
    orders, files and history. Idempotent.

    Each account is purged in its own transaction: one that cannot go (say,
    real money arrived for it) is logged and kept, and the others still go.
    Other apps remove their own rows through `core.registry.order_purge_hooks`
    (orders imports none of them)."""
    limit = (now or timezone.now()) - timedelta(days=settings.ABANDONED_VISITOR_ORDER_DAYS)
    left_before_work = (*Order.AWAITING_STATUSES, S.ANNULEE)
    # An account with a recent order, a paid one or one in the queue (a free order) is not abandoned.
    kept = Order.objects.filter(
        Q(created_at__gte=limit) | Q(paid_at__isnull=False) | ~Q(status__in=left_before_work)
    ).values("client_id")
    dormant = (
        User.objects.filter(
            is_active=False, email_verified_at__isnull=True, anonymised_at__isnull=True,
            orders__created_at__lt=limit,
        )
        .exclude(pk__in=kept)
        .distinct()
    )
    purged = 0
    for client in dormant:
        try:
            purged += _purge_dormant_client(client=client)
        except Exception:  # noqa: BLE001 - one account must not stop the purge of the others
            logger.exception("abandoned orders of user %s not purged", client.pk)
    return purged


def _purge_dormant_client(*, client):
    with transaction.atomic():
        orders = list(Order.objects.select_for_update().filter(client=client))
        for order in orders:
            for hook in order_purge_hooks.values():
                hook(order=order)
        stored_files = StoredFile.objects.filter(Q(uploaded_by=client) | Q(order__in=orders))
        for stored_file in stored_files:
            stored_file_purge_content(stored_file=stored_file)
        stored_files.delete()
        OrderEvent.objects.filter(order__in=orders).delete()
        Order.objects.filter(pk__in=[order.pk for order in orders]).delete()
        client.delete()
    logger.info("purged %s abandoned order(s) of dormant user %s", len(orders), client.pk)
    return len(orders)


def orders_announce_overdue(*, today=None):
    """Tell the corrector and staff, once, about each order past its due date
    and not delivered. Idempotent: the conditional UPDATE claims each order."""
    today = today or timezone.localdate()
    announced = 0
    overdue = Order.objects.filter(
        status__in=(S.PAYEE, S.EN_COURS), due_date__lt=today, overdue_announced_at__isnull=True
    ).values_list("pk", flat=True)
    for order_id in list(overdue):
        if Order.objects.filter(pk=order_id, overdue_announced_at__isnull=True).update(overdue_announced_at=timezone.now()):
            events.announce_overdue(order_id=order_id)
            announced += 1
    return announced


def orders_purge_old_files(*, days, now=None):
    """Erase the bytes of finished orders' files after `days` (the legacy
    terms promise it); names, sizes and checksums stay. Idempotent."""
    limit = (now or timezone.now()) - timedelta(days=days)
    stale = StoredFile.objects.alive().filter(
        content_purged_at__isnull=True, order__status__in=Order.FINAL_STATUSES, order__finished_at__lt=limit
    )
    count = 0
    for stored_file in stale.iterator():
        stored_file_purge_content(stored_file=stored_file)
        count += 1
    return count
