"""Payments: checkout, the webhook that confirms them, refunds.

The webhook is the only thing that marks an order paid: the browser coming
back from the checkout proves nothing. Every event is processed once (its id
is unique in StripeEvent) inside one transaction with its effects.
"""

import contextvars
import functools
import json
import logging
import uuid
from datetime import timedelta

import stripe
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services import user_send_activation
from core.audit import Severity, audit_record
from core.emails import queue_templated_email
from core.outbox import outbox_task_queue
from core.templatetags.formatting import euros
from notifications.models import Notification
from notifications.services import notify
from orders.models import Order
from orders.services import OrderError, order_cancel, order_mark_paid

from .gateways import GatewayError, GatewayNotConfigured, get_gateway, webhook_secret
from .models import Customer, Invoice, Payment, StripeEvent

logger = logging.getLogger(__name__)


class PaymentError(ValidationError):
    """A refused payment action; the message is shown as is."""


# --- Checkout -----------------------------------------------------------------

def lock_payable_order(order):
    """The order, locked until the transaction ends, if it awaits its payment."""
    locked = Order.objects.select_for_update().select_related("client", "service").get(pk=order.pk)
    if locked.status != Order.Status.EN_ATTENTE:
        message = (
            _("Cette commande est déjà payée.") if locked.paid_at else _("Cette commande ne peut pas être réglée maintenant.")
        )
        raise PaymentError(message, code="not_payable")
    if locked.is_free:  # 0 €: nothing to pay (Stripe refuses it); orders sends it to the queue
        raise PaymentError(_("Cette commande est offerte : il n'y a rien à régler."), code="free_order")
    return locked


def payment_start_checkout(*, order, success_url, cancel_url):
    """Open a checkout for the order's current price; return where to send the payer.

    An order has at most one open checkout: a new one (a second tab, a double
    click) expires the others, here and at the provider. Concurrent clicks
    queue on the order's row lock; the one that loses the race to a newer
    click finds its payment expired and closes the session it just opened."""
    try:
        gateway = get_gateway()
    except GatewayNotConfigured as error:
        raise PaymentError(str(error), code="no_gateway") from error
    with transaction.atomic():
        locked = lock_payable_order(order)
        superseded = list(
            Payment.objects.select_for_update()
            .filter(order=locked, flow=Payment.Flow.CHECKOUT, status=Payment.Status.PENDING)
        )
        Payment.objects.filter(pk__in=[p.pk for p in superseded]).update(
            status=Payment.Status.EXPIRED, failure_message=SUPERSEDED, updated_at=timezone.now()
        )
        payment = Payment.objects.create(order=locked, provider=gateway.name, amount=locked.price)
    for old in superseded:
        if old.checkout_session_id:
            _expire_at_provider(gateway, old.checkout_session_id)
    customer = Customer.objects.filter(user=locked.client).first()
    try:
        session = gateway.create_checkout(
            order=locked, payment=payment, customer_id=customer.stripe_customer_id if customer else None,
            success_url=success_url, cancel_url=cancel_url,
        )
    except GatewayError as error:
        Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(
            status=Payment.Status.FAILED, failure_message=str(error), updated_at=timezone.now()
        )
        raise PaymentError(_("Le paiement n'a pas pu être ouvert : %(error)s") % {"error": error}) from error
    ids = {"checkout_session_id": session.id, "payment_intent_id": session.payment_intent_id}
    if not Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(**ids):
        # A newer click expired this payment before its session existed: close it.
        Payment.objects.filter(pk=payment.pk).update(**ids)
        _expire_at_provider(gateway, session.id)
        raise PaymentError(_("Un autre paiement vient d'être ouvert pour cette commande (dans un autre onglet ?) : "
                             "utilisez celui-ci, ou cliquez à nouveau sur « Payer »."), code="superseded")
    Order.objects.filter(pk=locked.pk).update(stripe_session_id=session.id)
    return session.url


SUPERSEDED = "Remplacé par un paiement ouvert ensuite pour la même commande."


def _expire_at_provider(gateway, session_id):
    """Best effort: a session that cannot be expired now closes by itself
    after 24 h, and if it is paid meanwhile the payment is flagged for staff."""
    try:
        gateway.expire_checkout(session_id)
    except GatewayError as error:
        logger.warning("checkout %s not expired at the provider: %s", session_id, error)


# --- Webhook --------------------------------------------------------------------

_recorded = contextvars.ContextVar("webhook_recorded")


def _acknowledged_once_recorded(receive):
    """The answer follows what is durable. Once the event is committed (with
    its follow-up work, as outbox rows), an after-commit step that fails must
    not answer 500: Stripe's retry would be a "duplicate" and hide it."""

    @functools.wraps(receive)
    def receive_and_acknowledge(**kwargs):
        token = _recorded.set([])
        try:
            return receive(**kwargs)
        except Exception:
            recorded = _recorded.get()
            if not recorded:
                raise  # nothing was committed: the error answers 500 and Stripe retries
            logger.exception("webhook %s: recorded, but an after-commit step failed", recorded[0].event_id)
            return recorded[0].outcome
        finally:
            _recorded.reset(token)

    return receive_and_acknowledge


@_acknowledged_once_recorded
def webhook_receive(*, payload, signature):
    """Verify, record once, process. Returns the outcome for the log.

    Raises ValueError or stripe.SignatureVerificationError on a bad payload or
    signature (the view answers 400)."""
    secret = webhook_secret()
    if secret is None:
        raise WebhookNotConfigured("STRIPE_WEBHOOK_SECRET is not set: every webhook is refused")
    event = stripe.Webhook.construct_event(payload, signature, secret, tolerance=300)
    data = json.loads(payload)
    obj = _event_object(data)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = StripeEvent.objects.create(
                    event_id=event.id, type=event.type, livemode=bool(data.get("livemode")), payload=data
                )
                # First to run after commit: from then on the event is durable.
                transaction.on_commit(functools.partial(_recorded.get().append, record))
        except IntegrityError:
            logger.info("webhook %s %s: already processed", event.type, event.id)
            return "duplicate"
        handler = EVENT_HANDLERS.get(event.type)
        if handler is None:
            outcome = "ignored"
        elif (obj.get("metadata") or {}).get("source") != settings.STRIPE_METADATA_SOURCE and event.type not in SOURCELESS:
            outcome = "foreign"  # the Stripe account is shared: not one of our payments
        else:
            outcome = _handle(handler, obj, event_id=event.id)
        record.outcome = outcome
        record.save(update_fields=["outcome"])
    logger.info("webhook %s %s: %s", event.type, event.id, outcome)
    return outcome


class MalformedEvent(ValueError):
    """Signed, but not shaped like what it claims to be: refused (400) and
    logged, nothing recorded (the transaction rolls back)."""


class WebhookNotConfigured(ValueError):
    """No webhook secret outside the embedded mode: every event is refused."""


def _event_object(data):
    obj = (data.get("data") or {}).get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict) or not isinstance(data.get("id"), str) or not isinstance(data.get("type"), str):
        raise MalformedEvent("the event has no id, type or data.object")
    return obj


def _handle(handler, obj, *, event_id):
    """Run the handler; a field missing or of the wrong type is a malformed
    event (400), not a server error that Stripe would retry for days."""
    try:
        return handler(obj)
    except (KeyError, TypeError, AttributeError) as error:
        raise MalformedEvent(f"event {event_id}: {type(error).__name__}: {error}") from error


def _payment_uuid(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise MalformedEvent(f"payment_id {value!r} is not a UUID") from None


def _payment_for(obj):
    metadata = obj.get("metadata") or {}
    payment = None
    if metadata.get("payment_id"):
        payment = Payment.objects.select_for_update().filter(pk=_payment_uuid(metadata["payment_id"])).first()
    if payment is None and obj.get("object") == "checkout.session":
        payment = Payment.objects.select_for_update().filter(checkout_session_id=obj["id"]).first()
    if payment is None and obj.get("payment_intent"):
        payment = Payment.objects.select_for_update().filter(payment_intent_id=obj["payment_intent"]).first()
    return payment


def _on_checkout_completed(session):
    if session.get("payment_status") != "paid":
        return "ignored"  # asynchronous methods confirm later
    payment = _payment_for(session)
    if payment is None:
        return "unknown_payment"
    return _record_success(
        payment=payment, amount=session.get("amount_total"), payment_intent_id=session.get("payment_intent"),
        method_label=(session.get("metadata") or {}).get("method_label", ""),
    )


def _on_payment_intent_succeeded(intent):
    # Checkout's own PaymentIntents are confirmed by checkout.session.completed.
    if (intent.get("metadata") or {}).get("flow") != "saved_card":
        return "ignored"
    payment = _payment_for(intent)
    if payment is None:
        return "unknown_payment"
    return _record_success(payment=payment, amount=intent.get("amount_received"), payment_intent_id=intent["id"],
                           method_label=(intent.get("metadata") or {}).get("method_label", ""))


def _record_success(*, payment, amount, payment_intent_id, method_label):
    # EXPIRED too: a session we replaced may have been paid before the
    # provider closed it. The money is real; it is recorded (and flagged if
    # the order was paid by the other one).
    if payment.status not in (Payment.Status.PENDING, Payment.Status.FAILED, Payment.Status.EXPIRED):
        return "already_recorded"
    payment.status = Payment.Status.SUCCEEDED
    payment.amount_received = amount
    payment.paid_at = timezone.now()
    payment.payment_intent_id = payment_intent_id or payment.payment_intent_id
    payment.method_label = method_label or _("Carte bancaire")
    try:
        order = order_mark_paid(order=payment.order, amount=amount, session_id=payment.checkout_session_id or "")
    except OrderError as error:
        # Wrong amount, or a second payment for an order already paid: the
        # money is real, the order is not touched, staff decide (refund).
        _flag_for_review(payment=payment, error=error)
        return "flagged"
    _expire_other_checkouts(payment)
    payment.save()
    audit_record(action="payment.succeeded", target=payment, severity=Severity.MEDIUM,
                 details={"order": str(order.pk), "amount": amount})
    _after_payment(order_id=order.pk, payment_id=payment.pk)  # in this transaction: see there
    return "paid"


def _flag_for_review(*, payment, error):
    order = Order.objects.get(pk=payment.order_id)
    if getattr(error, "code", None) == "amount_mismatch":
        kind = Payment.ReviewKind.AMOUNT_MISMATCH
    elif order.paid_at is not None:
        kind = Payment.ReviewKind.DUPLICATE
    else:
        kind = Payment.ReviewKind.NOT_PAYABLE
    payment.needs_review = True
    payment.review_kind = kind
    payment.review_reason = " ".join(error.messages)
    payment.save()
    logger.warning("payment %s flagged (%s): %s", payment.pk, kind, payment.review_reason)
    staff_alert_flagged_payment(payment=payment, order=order)


def staff_alert_flagged_payment(*, payment, order):
    """Every active admin gets a notification and an e-mail, written in the
    transaction that flags the payment (so neither is lost nor sent for a
    flag that rolled back)."""
    path = reverse("admin:billing_payment_change", args=[payment.pk])
    context = {
        "kind": str(payment.get_review_kind_display()), "reason": payment.review_reason, "title": order.title,
        "client": order.client.email, "amount": euros(payment.amount_received or payment.amount),
        "admin_path": path, "review_path": f"{reverse('admin:billing_payment_changelist')}?review=todo",
    }
    for admin in User.objects.filter(role=User.Role.ADMIN, is_active=True):
        notify(
            user=admin, type=Notification.Type.PAYMENT, priority=Notification.Priority.HAUTE,
            title=_("Paiement à vérifier : %(kind)s") % {"kind": context["kind"].lower()},
            message=_("%(amount)s reçus pour « %(title)s » (%(client)s) : %(reason)s Remboursez-le depuis "
                      "l'administration si c'est un doublon.") % context,
            action_url=path,
        )
        queue_templated_email(template="payment_review", to=admin.email, context=context)


def _expire_other_checkouts(payment):
    """The order is paid: its other open checkouts close (here now, at the
    provider after commit), so a forgotten tab cannot take the money twice."""
    others = Payment.objects.filter(order_id=payment.order_id, flow=Payment.Flow.CHECKOUT,
                                    status=Payment.Status.PENDING).exclude(pk=payment.pk)
    session_ids = [sid for sid in others.values_list("checkout_session_id", flat=True) if sid]
    others.update(status=Payment.Status.EXPIRED, failure_message=PAID_BY_ANOTHER, updated_at=timezone.now())
    if session_ids:
        def expire():
            gateway = get_gateway()
            for session_id in session_ids:
                _expire_at_provider(gateway, session_id)
        transaction.on_commit(expire, robust=True)


PAID_BY_ANOTHER = "La commande a été payée par un autre paiement."


def _after_payment(*, order_id, payment_id):
    from .tasks import issue_invoice_for_paid_order

    # Written in the webhook's transaction (the outbox, core/outbox.py): the
    # webhook is acknowledged once this is durable; it runs after commit, or
    # later through the relay if the broker is down.
    outbox_task_queue(task=issue_invoice_for_paid_order, kwargs={"order_id": str(order_id), "payment_id": str(payment_id)})
    order = Order.objects.select_related("client").get(pk=order_id)
    if not order.client.is_active and order.client.email_verified_at is None:
        # A visitor paid: the account still needs its owner to activate it.
        user_send_activation(user=order.client)


def _on_payment_failed(obj):
    payment = _payment_for(obj)
    if payment is None:
        return "unknown_payment"
    if payment.status != Payment.Status.PENDING:
        return "already_recorded"
    expired = obj.get("object") == "checkout.session"
    payment.status = Payment.Status.EXPIRED if expired else Payment.Status.FAILED
    error = obj.get("last_payment_error") or {}
    payment.failure_message = error.get("message", "")
    payment.save(update_fields=["status", "failure_message", "updated_at"])
    order = payment.order
    if order.status == Order.Status.EN_ATTENTE:
        from .tasks import announce_payment_failed

        outbox_task_queue(task=announce_payment_failed, kwargs={"payment_id": str(payment.pk)})
    return "failed"


def _on_charge_refunded(charge):
    payment = _payment_for(charge)
    if payment is None:
        return "unknown_payment"
    refunds = (charge.get("refunds") or {}).get("data") or [
        {"id": f"{charge['id']}:{charge['amount_refunded']}", "amount": charge["amount_refunded"] - payment.amount_refunded}
    ]
    for refund in refunds:
        if refund.get("amount"):
            _record_refund(payment=payment, refund_id=refund["id"], amount=refund["amount"], by=None, reason="")
    return "refunded"


def _on_setup_intent_succeeded(intent):
    from .cards import card_save_from_setup_intent  # cards.py builds on this module

    return card_save_from_setup_intent(setup_intent=intent)


def _on_payment_method_detached(payment_method):
    from .cards import card_mark_detached

    return card_mark_detached(stripe_payment_method_id=payment_method["id"])


SOURCELESS = {
    "charge.refunded",  # charges carry the PaymentIntent's metadata only when copied; matched by id
    "payment_method.detached",  # a card carries no metadata of ours; matched by its id
}
EVENT_HANDLERS = {
    "checkout.session.completed": _on_checkout_completed,
    "checkout.session.expired": _on_payment_failed,
    "payment_intent.payment_failed": _on_payment_failed,
    "payment_intent.succeeded": _on_payment_intent_succeeded,
    "charge.refunded": _on_charge_refunded,
    "setup_intent.succeeded": _on_setup_intent_succeeded,
    "payment_method.detached": _on_payment_method_detached,
}


# --- Refunds --------------------------------------------------------------------

# A staff refund being made blocks another one on the same payment this long
# (the provider answers in seconds; a crashed worker's claim expires).
REFUND_IN_FLIGHT = timedelta(minutes=5)


def payment_refund(*, payment, amount, by, reason="", refunded_before=None, request=None):
    """Staff refund all or part of a payment: the provider first, then a credit
    note; a full refund cancels the order. A refusal changes nothing.

    Exactly one refund per submit of the form, however many arrive at once:
    the payment's row is claimed (``refund_started_at``) under its lock
    before the provider is called, and ``refunded_before`` (what the form
    showed as already refunded) refuses a form submitted again after the
    first one went through. The provider call carries an idempotency key."""
    if not by.is_admin:
        raise PaymentError(_("Seule l'équipe peut rembourser."), code="forbidden")
    try:
        gateway = get_gateway()
    except GatewayNotConfigured as error:
        raise PaymentError(_("Le remboursement a été refusé : %(error)s") % {"error": error}, code="refused") from error
    now = timezone.now()
    with transaction.atomic():
        locked = Payment.objects.select_for_update().select_related("order").get(pk=payment.pk)
        if locked.refund_started_at is not None and locked.refund_started_at > now - REFUND_IN_FLIGHT:
            raise PaymentError(_("Un remboursement de ce paiement est déjà en cours : rechargez la page dans "
                                 "quelques instants pour voir son résultat."), code="in_flight")
        if refunded_before is not None and locked.amount_refunded != refunded_before:
            raise PaymentError(_("Ce paiement a été remboursé entre-temps (un autre onglet ?) : vérifiez le montant "
                                 "restant avant de recommencer."), code="changed")
        _check_refundable(locked, amount)
        Payment.objects.filter(pk=locked.pk).update(refund_started_at=now)
    try:
        refund = gateway.refund(payment=locked, amount=amount)
    except GatewayError as error:
        Payment.objects.filter(pk=locked.pk).update(refund_started_at=None)
        raise PaymentError(_("Le remboursement a été refusé : %(error)s") % {"error": error}, code="refused") from error
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        _record_refund(payment=locked, refund_id=refund.id, amount=amount, by=by, reason=reason, request=request)
        Payment.objects.filter(pk=locked.pk).update(refund_started_at=None)
    return refund


def _check_refundable(payment, amount):
    refundable = (payment.amount_received or 0) - payment.amount_refunded
    if payment.status not in (Payment.Status.SUCCEEDED, Payment.Status.PARTIALLY_REFUNDED) or refundable <= 0:
        raise PaymentError(_("Ce paiement n'est pas remboursable."), code="not_refundable")
    if not 0 < amount <= refundable:
        raise PaymentError(
            _("Le montant doit être compris entre 0,01 € et %(max)s €.") % {"max": f"{refundable / 100:.2f}".replace(".", ",")},
            code="amount",
        )


def _record_refund(*, payment, refund_id, amount, by, reason, request=None):
    """Count the refund once, credit the invoice of *this* payment, and cancel
    the order on a full refund — only if this payment is the one that paid
    it. A flagged payment (a duplicate, a wrong amount) has no invoice: its
    refund writes no credit note and leaves the order alone."""
    from .invoicing import credit_note_issue
    from .models import CreditNote

    if refund_id in payment.refund_ids or CreditNote.objects.filter(refund_id=refund_id).exists():
        return
    payment.refund_ids = [*payment.refund_ids, refund_id]
    payment.amount_refunded += amount
    full = payment.amount_refunded >= (payment.amount_received or 0)
    payment.status = Payment.Status.REFUNDED if full else Payment.Status.PARTIALLY_REFUNDED
    payment.save(update_fields=["refund_ids", "amount_refunded", "status", "updated_at"])
    # by=None: a refund made at the provider's dashboard, reported by webhook.
    audit_record(action="payment.refund", actor=by, target=payment, request=request, severity=Severity.HIGH,
                 details={"amount": amount, "refund_id": refund_id, "full": full, "reason": str(reason)})
    invoice = invoice_for_payment(payment=payment)
    if invoice is not None:
        credit_note_issue(invoice=invoice, amount_ttc=amount, reason=reason, refund_id=refund_id)
    from .tasks import announce_refund

    outbox_task_queue(task=announce_refund, kwargs={"payment_id": str(payment.pk), "amount": amount,
                                                    "credited": invoice is not None})
    order = payment.order
    if full and invoice is not None and not order.is_final:
        order_cancel(order=order, by=by, note=_("Remboursement intégral"))


def refund_credits_an_invoice(*, payment):
    """Whether a refund of ``payment`` is credited on an invoice (and, in
    full, cancels the order): only for the payment that paid the order. Its
    invoice names it, or names no payment (invoices issued before payments
    were linked). A flagged payment — a duplicate, a wrong amount — has none."""
    if payment.needs_review:
        return False
    invoice = Invoice.objects.filter(order_id=payment.order_id).first()
    if invoice is not None:
        return invoice.payment_id in (None, payment.pk)
    return payment.order.paid_at is not None


def invoice_for_payment(*, payment):
    """The invoice a refund of ``payment`` credits, or None. If the refund
    overtakes the invoice task, the invoice is issued now (idempotent), so
    both documents exist, in order."""
    from .invoicing import invoice_issue_for_order

    if not refund_credits_an_invoice(payment=payment):
        return None
    return invoice_issue_for_order(order=payment.order, payment=payment)
