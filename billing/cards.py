"""Saved cards (`PaymentMethod`) and paying an order with one.

A card is saved on the user's Stripe customer through a SetupIntent; the
`setup_intent.succeeded` webhook records what a person needs to recognise it
(brand, last 4 digits, expiry) — never its number. Paying with a saved card
is an off-session PaymentIntent; as with Checkout, only the webhook
(`payment_intent.succeeded`) marks the order paid.

A user's card changes are serialised by locking the user's row: two webhooks
or two tabs cannot both make "the first card" the default.
"""

import logging
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.outbox import outbox_task_queue

from . import simulator
from .gateways import GatewayError, GatewayNotConfigured, get_gateway
from .models import Customer, Payment, PaymentMethod
from .overview_cache import billing_changed
from .payments import PaymentError, lock_payable_order

logger = logging.getLogger(__name__)

# An unanswered saved-card payment this recent blocks another one on the same
# order: a double click must not charge the card twice.
IN_FLIGHT = timedelta(minutes=15)


class AuthenticationRequired(PaymentError):
    """The bank wants the payer present (3-D Secure): pay through Checkout."""


def user_has_saved_card(user):
    """Whether `user` can pay with a saved card (core.registry asks it for the order page)."""
    return PaymentMethod.objects.filter(user=user, is_active=True).exists()


# --- Customer and card setup -------------------------------------------------------

def customer_ensure(*, user):
    """The user's Stripe customer, created the first time it is needed."""
    customer = Customer.objects.filter(user=user).first()
    if customer is not None:
        return customer
    try:
        customer_id = get_gateway().create_customer(user=user)
    except GatewayError as error:
        raise PaymentError(_("Votre compte de paiement n'a pas pu être créé : %(error)s") % {"error": error}) from error
    # The creation is idempotent per user at Stripe: two tabs get the same id.
    customer, _created = Customer.objects.get_or_create(user=user, defaults={"stripe_customer_id": customer_id})
    return customer


def card_setup_start(*, user):
    """A SetupIntent for the card form (Stripe Elements). The card itself is
    recorded by the webhook once the bank has accepted it."""
    customer = customer_ensure(user=user)
    try:
        return get_gateway().create_setup_intent(customer_id=customer.stripe_customer_id, user=user)
    except GatewayError as error:
        raise PaymentError(_("L'ajout d'une carte n'a pas pu être ouvert : %(error)s") % {"error": error}) from error


# --- Webhook side -----------------------------------------------------------------

def card_save_from_setup_intent(*, setup_intent):
    """`setup_intent.succeeded`: record the card once (by its Stripe id); the
    user's first active card becomes the default. Returns the outcome."""
    user_id = (setup_intent.get("metadata") or {}).get("user_id")
    payment_method_id = setup_intent.get("payment_method")
    if isinstance(payment_method_id, dict):  # an expanded object
        payment_method_id = payment_method_id.get("id")
    if not user_id or not payment_method_id:
        return "ignored"
    if PaymentMethod.objects.filter(stripe_payment_method_id=payment_method_id).exists():
        return "already_recorded"
    user = _lock_user(user_id)
    if user is None:
        return "unknown_user"
    if PaymentMethod.objects.filter(stripe_payment_method_id=payment_method_id).exists():
        return "already_recorded"
    # A provider failure raises: the event is not recorded and Stripe sends it again.
    details = get_gateway().payment_method_details(payment_method_id)
    if details.fingerprint and PaymentMethod.objects.filter(
        user=user, is_active=True, fingerprint=details.fingerprint, exp_month=details.exp_month,
        exp_year=details.exp_year,
    ).exists():
        # The same card saved again (a double click, two tabs): one row; the
        # extra payment method leaves the Stripe customer after commit (outbox).
        from .tasks import detach_duplicate_card

        outbox_task_queue(task=detach_duplicate_card, kwargs={"payment_method_id": payment_method_id})
        return "duplicate_card"
    is_default = not PaymentMethod.objects.filter(user=user, is_active=True).exists()
    card = PaymentMethod.objects.create(
        user=user, stripe_payment_method_id=payment_method_id, brand=details.brand, last4=details.last4,
        exp_month=details.exp_month, exp_year=details.exp_year, fingerprint=details.fingerprint, is_default=is_default,
    )
    if is_default:
        _queue_default_push(card)
    return "card_saved"


def card_mark_detached(*, stripe_payment_method_id):
    """`payment_method.detached` (from our removal, the Dashboard or Stripe):
    the card can no longer be charged. Returns the outcome."""
    card = PaymentMethod.objects.filter(stripe_payment_method_id=stripe_payment_method_id).first()
    if card is None:
        return "unknown_payment_method"
    return "detached" if _deactivate(card) else "already_recorded"


# --- The client's actions ------------------------------------------------------------

def card_set_default(*, payment_method, by):
    """Make the card the one offered first — here and on the Stripe customer."""
    _check_owner(payment_method, by)
    customer = Customer.objects.filter(user=by).first()
    if customer is not None:
        try:
            get_gateway().set_default_payment_method(
                customer_id=customer.stripe_customer_id, payment_method_id=payment_method.stripe_payment_method_id
            )
        except GatewayError as error:
            raise PaymentError(
                _("La carte par défaut n'a pas pu être changée : %(error)s") % {"error": error}, code="gateway"
            ) from error
    now = timezone.now()
    with transaction.atomic():
        _lock_user(by.pk)
        if not PaymentMethod.objects.filter(pk=payment_method.pk, is_active=True).update(is_default=True, updated_at=now):
            raise PaymentError(_("Cette carte a été supprimée."), code="removed")
        PaymentMethod.objects.filter(user=by, is_default=True).exclude(pk=payment_method.pk).update(
            is_default=False, updated_at=now
        )
        billing_changed(user_ids=[by.pk])  # bare UPDATEs send no post_save
    payment_method.is_default = True
    return payment_method


def card_remove(*, payment_method, by):
    """Detach the card from the Stripe customer, then deactivate it here (the
    row stays: past payments name it). The newest other card becomes default."""
    _check_owner(payment_method, by)
    try:
        get_gateway().detach_payment_method(payment_method.stripe_payment_method_id)
    except GatewayError as error:
        if not PaymentMethod.objects.filter(pk=payment_method.pk, is_active=True).exists():
            return  # another submit (a double click) removed it first: Stripe has already detached it
        raise PaymentError(_("La carte n'a pas pu être supprimée : %(error)s") % {"error": error}, code="gateway") from error
    with transaction.atomic():
        _deactivate(payment_method)


def payment_pay_with_saved_card(*, order, payment_method, by):
    """Charge a saved card for the order's current price, the payer absent
    (off-session). Returns the Payment; the webhook marks the order paid.

    Raises AuthenticationRequired when the bank wants the payer (the caller
    falls back to Checkout) and PaymentError when the card is declined: the
    payment is then FAILED and the order stays payable."""
    if order.client_id != by.pk:
        raise PaymentError(_("Vous ne pouvez pas régler cette commande."), code="forbidden")
    _check_owner(payment_method, by)
    try:
        gateway = get_gateway()
    except GatewayNotConfigured as error:
        raise PaymentError(str(error), code="no_gateway") from error
    method_label = str(payment_method)
    with transaction.atomic():
        locked = lock_payable_order(order)
        in_flight = Payment.objects.filter(
            order=locked, flow=Payment.Flow.SAVED_CARD, status=Payment.Status.PENDING,
            created_at__gte=timezone.now() - IN_FLIGHT,
        )
        if in_flight.exists():
            raise PaymentError(
                _("Un paiement est déjà en cours pour cette commande : patientez quelques instants."), code="in_flight"
            )
        payment = Payment.objects.create(order=locked, provider=gateway.name, flow=Payment.Flow.SAVED_CARD,
                                         amount=locked.price, method_label=method_label)
    customer = Customer.objects.filter(user=by).first()
    try:
        intent = gateway.pay_off_session(
            order=locked, payment=payment, customer_id=customer.stripe_customer_id if customer else None,
            payment_method_id=payment_method.stripe_payment_method_id, method_label=method_label,
        )
    except GatewayError as error:
        _payment_failed(payment, str(error))
        raise PaymentError(_("Le paiement n'a pas pu être effectué : %(error)s") % {"error": error}, code="gateway") from error
    if intent.id:
        Payment.objects.filter(pk=payment.pk).update(payment_intent_id=intent.id)
        payment.payment_intent_id = intent.id
    if intent.status in ("failed", "requires_action"):
        # Recorded now (the payer is waiting); the webhook that follows finds it done.
        _payment_failed(payment, intent.failure_message or intent.failure_code or intent.status)
    if gateway.name == Payment.Provider.SIMULATOR:
        # Stripe reports the outcome with a signed webhook; the simulator sends it now.
        simulator.deliver(simulator.saved_card_payment_event(payment, payment_method=payment_method, intent=intent))
    if intent.status == "requires_action":
        raise AuthenticationRequired(
            _("Votre banque demande de confirmer ce paiement : terminez-le sur la page de paiement sécurisée."),
            code="authentication_required",
        )
    if intent.status == "failed":
        raise PaymentError(
            _("Votre carte %(card)s a été refusée. Choisissez une autre carte ou payez avec une nouvelle carte.")
            % {"card": method_label},
            code="declined",
        )
    return payment


# --- Helpers -------------------------------------------------------------------------

def _check_owner(payment_method, by):
    if payment_method.user_id != by.pk:
        raise PaymentError(_("Cette carte n'est pas la vôtre."), code="forbidden")
    if not payment_method.is_active:
        raise PaymentError(_("Cette carte a été supprimée."), code="removed")


def _lock_user(user_id):
    try:
        return get_user_model().objects.select_for_update().filter(pk=user_id).first()
    except ValidationError:  # not a user id at all
        return None


def _deactivate(card):
    """Deactivate the card (inside the caller's transaction); if it was the
    default, the newest active card takes over. False if it already was."""
    _lock_user(card.user_id)
    card = PaymentMethod.objects.get(pk=card.pk)
    if not card.is_active:
        return False
    was_default = card.is_default
    card.is_active = card.is_default = False
    card.save(update_fields=["is_active", "is_default", "updated_at"])
    if was_default:
        newest = PaymentMethod.objects.filter(user_id=card.user_id, is_active=True).order_by("-created_at").first()
        if newest is not None:
            newest.is_default = True
            newest.save(update_fields=["is_default", "updated_at"])
            _queue_default_push(newest)
    return True


def _payment_failed(payment, message):
    Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(
        status=Payment.Status.FAILED, failure_message=message, updated_at=timezone.now()
    )
    payment.status, payment.failure_message = Payment.Status.FAILED, message


def _queue_default_push(card):
    """In the caller's transaction (the outbox, core.outbox): the provider
    follows once it commits, or later if the broker is down."""
    from .tasks import push_default_card_to_provider

    outbox_task_queue(task=push_default_card_to_provider, kwargs={"card_id": str(card.pk)})


def _detach_duplicate(payment_method_id):
    """Best effort: a duplicate left attached is harmless (never offered here)."""
    try:
        get_gateway().detach_payment_method(payment_method_id)
    except GatewayError as error:
        logger.warning("duplicate card %s not detached at the provider: %s", payment_method_id, error)


def _push_default_to_provider(card_id):
    """Stripe's default card (its invoices, the Dashboard) follows ours when
    we choose one by ourselves. A failure is logged: ours stands."""
    card = PaymentMethod.objects.filter(pk=card_id, is_active=True, is_default=True).first()
    customer = Customer.objects.filter(user_id=card.user_id).first() if card else None
    if customer is None:
        return
    try:
        get_gateway().set_default_payment_method(
            customer_id=customer.stripe_customer_id, payment_method_id=card.stripe_payment_method_id
        )
    except GatewayError as error:
        logger.warning("default card %s not set at the provider: %s", card_id, error)
