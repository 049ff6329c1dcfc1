"""The order workflow. Every status change goes through `_transition`, which
checks that the move is allowed, for that actor, and records it."""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services import user_register
from files.models import StoredFile
from files.services import stored_file_create, stored_file_purge_content, stored_file_soft_delete
from files.validation import MANUSCRIPT_KINDS

from . import events, pricing
from .models import Order, OrderEvent

logger = logging.getLogger(__name__)

S = Order.Status
CLIENT, CORRECTOR, STAFF, SYSTEM = "client", "corrector", "staff", "system"

# (from, to) -> who may make that move. Anything not listed is refused.
TRANSITIONS = {
    (S.EN_ATTENTE, S.PAYEE): {SYSTEM, STAFF},
    (S.EN_ATTENTE_VERIFICATION, S.ESTIMATION_ENVOYEE): {STAFF},
    (S.ESTIMATION_ENVOYEE, S.EN_ATTENTE): {CLIENT},
    (S.PAYEE, S.EN_COURS): {CORRECTOR},
    (S.EN_COURS, S.LIVREE): {CORRECTOR},
    (S.LIVREE, S.TERMINE): {CLIENT, SYSTEM, STAFF},
    (S.LIVREE, S.EN_COURS): {CLIENT},  # a revision
    # The client may cancel until work is paid for; staff any time (refunds: billing).
    **{(status, S.ANNULEE): {CLIENT, STAFF} for status in Order.AWAITING_STATUSES},
    # SYSTEM: a full refund reported by the payment provider.
    **{(status, S.ANNULEE): {STAFF, SYSTEM} for status in (S.PAYEE, S.EN_COURS, S.LIVREE, S.SUSPENDUE)},
    **{(status, S.SUSPENDUE): {STAFF} for status in (*Order.AWAITING_STATUSES, S.PAYEE, S.EN_COURS, S.LIVREE)},
    **{(S.SUSPENDUE, status): {STAFF} for status in (*Order.AWAITING_STATUSES, S.PAYEE, S.EN_COURS, S.LIVREE)},
}
# Before this point the client may still add or remove manuscripts.
WORK_NOT_STARTED = (*Order.AWAITING_STATUSES, S.PAYEE)


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


def _transition(*, order, to, by, note="", check=None, **changes):
    """Move `order` to status `to` under a row lock; return the fresh order.

    `check(locked_order)` may refuse with OrderError after the lock is taken,
    so two concurrent clicks cannot both pass it.
    """
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        allowed = TRANSITIONS.get((locked.status, to))
        if allowed is None:
            raise OrderError(
                _("Action impossible : la commande est « %(current)s ».") % {"current": locked.get_status_display()},
                code="invalid_transition",
            )
        if not allowed & _roles_of(locked, by):
            raise OrderError(_("Vous ne pouvez pas effectuer cette action sur cette commande."), code="forbidden")
        if check:
            check(locked)
        from_status = locked.status
        locked.status = to
        for field, value in changes.items():
            setattr(locked, field, value)
        locked.save()
        _record(order=locked, kind=OrderEvent.Kind.STATUS, by=by, note=note, from_status=from_status, to_status=to)
        transaction.on_commit(partial(
            events.announce_transition, order_id=locked.pk, from_status=from_status, to_status=to,
            actor_id=getattr(by, "pk", None), note=str(note),
        ))
    logger.info("order %s: %s -> %s by %s", locked.pk, from_status, to, getattr(by, "pk", "system"))
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


def order_create(*, client, service, title, description="", declared_pages=None, urgent=False,
                 wished_deadline=None, client_note="", manuscripts=()):
    """Create an order with its server-computed price and its manuscripts.

    Packs that need page verification wait for the team's quote; the others
    wait for payment.
    """
    if not service.is_active:
        raise OrderError(_("Ce service n'est plus proposé."), code="inactive_service")
    quote = order_quote(service=service, pages=declared_pages, urgent=urgent)
    needs_quote = service.needs_page_verification
    stored = []
    try:
        with transaction.atomic():
            order = Order.objects.create(
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
            )
            _record(order=order, kind=OrderEvent.Kind.CREATED, by=client, to_status=order.status)
            transaction.on_commit(partial(events.announce_created, order_id=order.pk))
            for upload in manuscripts:
                stored.append(
                    stored_file_create(
                        uploaded_file=upload, uploaded_by=client, role=StoredFile.Role.MANUSCRIPT,
                        allowed=MANUSCRIPT_KINDS, order=order,
                    )
                )
    except Exception:
        # The rows are rolled back; the bytes already written are not.
        for stored_file in stored:
            stored_file.file.storage.delete(stored_file.file.name)
        raise
    logger.info("order %s created by %s (%s cents)", order.pk, client.pk, order.price)
    return order


def order_send_quote(*, order, verified_pages, by):
    """Staff checked the manuscript: the final price follows the real page count."""
    quote = order_quote(service=order.service, pages=verified_pages, urgent=order.urgent)
    order = _transition(
        order=order, to=S.ESTIMATION_ENVOYEE, by=by,
        note=_("%(pages)s pages vérifiées") % {"pages": verified_pages},
        verified_pages=verified_pages, final_price=quote.total,
    )
    return order


def order_accept_quote(*, order, by):
    return _transition(order=order, to=S.EN_ATTENTE, by=by, payment_status="pending")


def order_decline_quote(*, order, by):
    return _transition(order=order, to=S.ANNULEE, by=by, note=_("Devis refusé par le client"))


# --- Payment (called by billing) -------------------------------------------

def order_mark_paid(*, order, amount, by=None, session_id=""):
    """The payment landed: the deadline starts now."""

    def amount_matches(locked):
        if amount != locked.price:
            raise OrderError(_("Le montant payé ne correspond pas au prix de la commande."), code="amount_mismatch")

    quote = pricing.quote_for(service=order.service, pages=order.pages, urgent=order.urgent) if order.service else None
    changes = {"amount": amount, "paid_at": timezone.now(), "payment_status": "succeeded"}
    if session_id:
        changes["stripe_session_id"] = session_id
    if quote:
        changes["due_date"] = pricing.due_date_for(quote=quote, start=timezone.localdate())
    order = _transition(order=order, to=S.PAYEE, by=by, check=amount_matches, **changes)
    if settings.ORDERS_AUTO_ASSIGN:
        corrector = least_loaded_corrector()
        if corrector:
            order = order_assign_corrector(order=order, corrector=corrector, by=None)
    return order


# --- Assignment -------------------------------------------------------------

ASSIGNABLE = (S.PAYEE, S.EN_COURS, S.LIVREE, S.SUSPENDUE)


def least_loaded_corrector():
    return (
        User.objects.filter(role=User.Role.CORRECTOR, is_active=True)
        .annotate(load=Count("assigned_orders", filter=Q(assigned_orders__status__in=ASSIGNABLE)))
        .order_by("load", "created_at")
        .first()
    )


def order_assign_corrector(*, order, corrector, by):
    """Staff (or the auto-assignment, by=None) give the order to a corrector."""
    if by is not None and not by.is_admin:
        raise OrderError(_("Seule l'équipe peut affecter un correcteur."), code="forbidden")
    if corrector.role != User.Role.CORRECTOR or not corrector.is_active:
        raise OrderError(_("Cette personne n'est pas un correcteur actif."), code="not_corrector")
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status not in ASSIGNABLE:
            raise OrderError(
                _("On ne peut affecter un correcteur qu'à une commande payée (statut actuel : « %(current)s »).")
                % {"current": locked.get_status_display()},
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
        transaction.on_commit(partial(events.announce_assignment, order_id=locked.pk))
    return locked


# --- The corrector's work --------------------------------------------------

def order_start(*, order, by):
    return _transition(order=order, to=S.EN_COURS, by=by)


def order_deliver(*, order, by, note=""):
    def has_deliverable(locked):
        if not locked.files.alive().filter(role=StoredFile.Role.DELIVERABLE).exists():
            raise OrderError(_("Déposez au moins un fichier corrigé avant de livrer."), code="no_deliverable")

    return _transition(order=order, to=S.LIVREE, by=by, note=note, check=has_deliverable, delivered_at=timezone.now())


def order_set_corrector_note(*, order, by, note):
    if not _roles_of(order, by) & {CORRECTOR, STAFF}:
        raise OrderError(_("Vous ne pouvez pas modifier cette note."), code="forbidden")
    with transaction.atomic():
        Order.objects.filter(pk=order.pk).update(corrector_note=note.strip(), updated_at=timezone.now())
    order.corrector_note = note.strip()
    return order


# --- The client's decision --------------------------------------------------

def order_accept_delivery(*, order, by):
    now = timezone.now()
    return _transition(order=order, to=S.TERMINE, by=by, accepted_at=now, finished_at=now)


def order_request_revision(*, order, by, comment):
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

    # Read before the lock: safe, because a second request finds the order
    # already EN_COURS and its transition is refused.
    locked_count = Order.objects.values_list("revision_count", flat=True).get(pk=order.pk)
    return _transition(
        order=order, to=S.EN_COURS, by=by, note=comment, check=within_included_revisions,
        revision_count=locked_count + 1, delivered_at=None,
    )


def orders_auto_finish(*, now=None):
    """Deliveries nobody answered for ORDER_AUTO_FINISH_DAYS are accepted. Idempotent."""
    now = now or timezone.now()
    limit = now - timedelta(days=settings.ORDER_AUTO_FINISH_DAYS)
    finished = 0
    for order in Order.objects.filter(status=S.LIVREE, delivered_at__lte=limit).only("pk"):
        try:
            _transition(
                order=order, to=S.TERMINE, by=None, note=_("Acceptée automatiquement après 7 jours"),
                finished_at=now,
            )
            finished += 1
        except OrderError:
            continue  # changed meanwhile (the client answered): nothing to do
    return finished


# --- Staff controls ---------------------------------------------------------

def order_suspend(*, order, by, note=""):
    current = Order.objects.values_list("status", flat=True).get(pk=order.pk)
    return _transition(order=order, to=S.SUSPENDUE, by=by, note=note, status_before_suspension=current)


def order_resume(*, order, by, note=""):
    previous = Order.objects.values_list("status_before_suspension", flat=True).get(pk=order.pk)
    if not previous:
        raise OrderError(_("Cette commande n'est pas suspendue."), code="not_suspended")
    return _transition(order=order, to=previous, by=by, note=note, status_before_suspension="")


def order_cancel(*, order, by, note=""):
    return _transition(order=order, to=S.ANNULEE, by=by, note=note, finished_at=timezone.now())


# --- Files ------------------------------------------------------------------

def order_add_manuscript(*, order, uploaded_file, by):
    def client_before_work(locked):
        if CLIENT not in _roles_of(locked, by):
            raise OrderError(_("Seul le client dépose les manuscrits."), code="forbidden")
        if locked.status not in WORK_NOT_STARTED:
            raise OrderError(
                _("Le travail a commencé : écrivez à votre correcteur pour lui envoyer un fichier."), code="started"
            )

    return _attach_file(order=order, uploaded_file=uploaded_file, by=by, role=StoredFile.Role.MANUSCRIPT,
                        check=client_before_work)


def order_add_deliverable(*, order, uploaded_file, by):
    def corrector_at_work(locked):
        if CORRECTOR not in _roles_of(locked, by):
            raise OrderError(_("Seul le correcteur affecté dépose les fichiers corrigés."), code="forbidden")
        if locked.status != S.EN_COURS:
            raise OrderError(_("Commencez la correction avant de déposer un fichier corrigé."), code="not_started")

    return _attach_file(order=order, uploaded_file=uploaded_file, by=by, role=StoredFile.Role.DELIVERABLE,
                        check=corrector_at_work)


def _attach_file(*, order, uploaded_file, by, role, check):
    # The order row is locked so the status cannot change between the check
    # and the upload (a client adding a file while the corrector starts).
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        check(locked)
        stored = stored_file_create(
            uploaded_file=uploaded_file, uploaded_by=by, role=role, allowed=MANUSCRIPT_KINDS, order=locked
        )
        _record(order=locked, kind=OrderEvent.Kind.FILE, by=by, note=stored.original_name)
    return stored


def order_delete_file(*, order, stored_file, by):
    """Clients remove their own manuscripts before work starts; deliverables stay."""
    roles = _roles_of(order, by)
    if stored_file.order_id != order.pk:
        raise OrderError(_("Ce fichier n'appartient pas à cette commande."), code="wrong_order")
    if stored_file.role == StoredFile.Role.DELIVERABLE and STAFF not in roles:
        raise OrderError(_("Un fichier corrigé ne peut pas être supprimé."), code="deliverable")
    if STAFF not in roles and (CLIENT not in roles or order.status not in WORK_NOT_STARTED):
        raise OrderError(_("Ce fichier ne peut plus être supprimé : le travail a commencé."), code="started")
    stored_file_soft_delete(stored_file=stored_file, by=by)


def order_permissions(*, order, user):
    """What `user` may do on `order` now: the buttons the order page shows.

    Derived from the same TRANSITIONS the services enforce, so a button is
    never shown for an action that would be refused.
    """
    roles = _roles_of(order, user)

    def may_move_to(status):
        return bool(TRANSITIONS.get((order.status, status), set()) & roles)

    is_staff = STAFF in roles
    return {
        "cancel": may_move_to(S.ANNULEE),
        "pay": CLIENT in roles and order.status == S.EN_ATTENTE,
        "accept_quote": may_move_to(S.EN_ATTENTE) and order.status == S.ESTIMATION_ENVOYEE,
        "decline_quote": order.status == S.ESTIMATION_ENVOYEE and CLIENT in roles,
        "accept_delivery": order.status == S.LIVREE and CLIENT in roles,
        "request_revision": order.status == S.LIVREE and CLIENT in roles
        and order.revision_count < settings.ORDER_INCLUDED_REVISIONS,
        "start": may_move_to(S.EN_COURS) and order.status == S.PAYEE,
        "deliver": may_move_to(S.LIVREE),
        "upload_manuscript": CLIENT in roles and order.status in WORK_NOT_STARTED,
        "delete_manuscript": is_staff or (CLIENT in roles and order.status in WORK_NOT_STARTED),
        "upload_deliverable": CORRECTOR in roles and order.status == S.EN_COURS,
        "see_corrector_note": bool(roles & {CORRECTOR, STAFF}),
        "assign": is_staff and order.status in ASSIGNABLE,
        "send_quote": may_move_to(S.ESTIMATION_ENVOYEE),
        "suspend": may_move_to(S.SUSPENDUE),
        "resume": is_staff and order.status == S.SUSPENDUE,
    }


# --- Visitors and housekeeping ------------------------------------------------

def order_create_for_visitor(*, account, **order_fields):
    """The legacy funnel: an order and an inactive account in one step.

    The activation e-mail leaves on commit; the visitor follows the order
    once the account is activated (or, with billing, once paid). Returns
    None when the address already has an account (see user_register).
    """
    with transaction.atomic():
        client = user_register(**account, attempt="order")
        if client is None:
            # The address has an account: nothing is stored, its owner is
            # e-mailed to log in and order; the visitor sees the same page.
            return None
        return order_create(client=client, **order_fields)


def orders_purge_abandoned(*, now=None):
    """Visitor orders never paid and never activated, older than the limit,
    go with their files and their dormant account. Idempotent."""
    limit = (now or timezone.now()) - timedelta(days=settings.ABANDONED_VISITOR_ORDER_DAYS)
    abandoned = Order.objects.filter(
        created_at__lt=limit, paid_at__isnull=True, client__email_verified_at__isnull=True,
        client__is_active=False, client__anonymised_at__isnull=True,
    ).select_related("client")
    purged = 0
    for order in abandoned:
        with transaction.atomic():
            client = order.client
            for stored_file in StoredFile.objects.filter(uploaded_by=client):
                stored_file_purge_content(stored_file=stored_file)
            StoredFile.objects.filter(uploaded_by=client).delete()
            OrderEvent.objects.filter(order__client=client).delete()
            Order.objects.filter(client=client).delete()
            client.delete()
        purged += 1
    return purged


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
