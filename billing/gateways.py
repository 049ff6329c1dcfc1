"""Where money moves: Stripe, or the local simulator that stands in for it.

Both answer the same few calls, so the payment services do not know which
one runs. The simulator exists only without a Stripe key and with
PAYMENTS_SIMULATOR on (never in production).
"""

import uuid
from dataclasses import dataclass

import stripe
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str
    payment_intent_id: str | None = None


@dataclass(frozen=True)
class Refund:
    id: str
    amount: int
    status: str


@dataclass(frozen=True)
class SetupIntent:
    id: str
    client_secret: str


@dataclass(frozen=True)
class CardDetails:
    """What we keep of a card: enough to recognise it, never its number."""

    brand: str
    last4: str
    exp_month: int
    exp_year: int
    fingerprint: str = ""


@dataclass(frozen=True)
class PaymentIntent:
    """The synchronous answer to an off-session payment. The order is marked
    paid by the webhook only, whatever this says."""

    id: str | None
    status: str  # succeeded, processing, requires_action (the bank wants the payer), failed
    failure_code: str = ""
    failure_message: str = ""


class GatewayError(Exception):
    """The provider refused or could not be reached; its message is safe to
    show staff, and in French when the payer sees it (outage, timeout)."""


class GatewayNotConfigured(GatewayError):
    """No payment provider: a production without Stripe keys (`check` says so)."""

    def __init__(self):
        super().__init__(_("Le paiement en ligne n'est pas disponible pour le moment. Contactez-nous pour régler "
                           "votre commande."))


def gateway_error(error):
    """The GatewayError for a Stripe exception. An outage or a timeout gets a
    French sentence (the payer sees it); a refusal keeps Stripe's message."""
    if isinstance(error, stripe.APIConnectionError):
        return GatewayError(_("le service de paiement ne répond pas ; réessayez dans quelques minutes"))
    if isinstance(error, (stripe.APIError, stripe.RateLimitError)):
        return GatewayError(_("le service de paiement est momentanément indisponible ; réessayez dans quelques minutes"))
    return GatewayError(error.user_message or str(error))


def stripe_client():
    client_options = {}
    if settings.STRIPE_API_BASE:
        client_options["base_addresses"] = {"api": settings.STRIPE_API_BASE}
    # A hung Stripe must not hold a web worker for minutes (the library's
    # default is 80 s per attempt): each attempt gives up after STRIPE_TIMEOUT.
    http_client = stripe.new_default_http_client(timeout=settings.STRIPE_TIMEOUT)
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, **client_options, http_client=http_client,
                               max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES)


def _metadata(order, **extra):
    return {"order_id": str(order.pk), "source": settings.STRIPE_METADATA_SOURCE, **extra}


class StripeGateway:
    name = "stripe"

    def __init__(self):
        self.client = stripe_client()

    def create_checkout(self, *, order, payment, customer_id, success_url, cancel_url):
        params = {
            "mode": "payment",
            "line_items": [{
                "quantity": 1,
                "price_data": {
                    "currency": "eur",
                    "unit_amount": order.price,  # cents, computed by the server
                    "product_data": {"name": f"{order.service.name if order.service else 'Commande'} — {order.title}"},
                },
            }],
            "billing_address_collection": "required",
            "client_reference_id": str(order.pk),
            "metadata": _metadata(order, payment_id=str(payment.pk)),
            "payment_intent_data": {"metadata": _metadata(order, payment_id=str(payment.pk))},
            "success_url": success_url,
            "cancel_url": cancel_url,
            "locale": "fr",
        }
        if customer_id:
            params["customer"] = customer_id
        else:
            params["customer_email"] = order.client.email
        try:
            # One session per payment attempt, even if the request is retried.
            session = self.client.v1.checkout.sessions.create(params, {"idempotency_key": f"checkout-{payment.pk}"})
        except stripe.StripeError as error:
            raise gateway_error(error) from error
        return CheckoutSession(id=session.id, url=session.url)

    def expire_checkout(self, session_id):
        """Close a Checkout Session so it can no longer be paid. False if it
        was no longer open (completed, or already expired): the webhook tells
        what happened to it."""
        try:
            self.client.v1.checkout.sessions.expire(session_id)
        except stripe.InvalidRequestError:
            return False
        except stripe.StripeError as error:
            raise gateway_error(error) from error
        return True

    def refund(self, *, payment, amount):
        try:
            refund = self.client.v1.refunds.create(
                {"payment_intent": payment.payment_intent_id, "amount": amount,
                 "metadata": {"source": settings.STRIPE_METADATA_SOURCE, "payment_id": str(payment.pk)}},
                {"idempotency_key": f"refund-{payment.pk}-{payment.amount_refunded}-{amount}"},
            )
        except stripe.StripeError as error:
            raise gateway_error(error) from error
        if refund.status == "failed":
            raise GatewayError(refund.failure_reason or "refund failed")
        return Refund(id=refund.id, amount=refund.amount, status=refund.status)

    # --- Saved cards ---

    def create_customer(self, *, user):
        try:
            customer = self.client.v1.customers.create(
                {"email": user.email, "name": user.get_full_name(),
                 "metadata": {"source": settings.STRIPE_METADATA_SOURCE, "user_id": str(user.pk)}},
                {"idempotency_key": f"customer-{user.pk}"},  # two tabs opened at once: one customer
            )
        except stripe.StripeError as error:
            raise gateway_error(error) from error
        return customer.id

    def create_setup_intent(self, *, customer_id, user):
        try:
            intent = self.client.v1.setup_intents.create({
                "customer": customer_id, "usage": "off_session", "payment_method_types": ["card"],
                "metadata": {"source": settings.STRIPE_METADATA_SOURCE, "user_id": str(user.pk)},
            })
        except stripe.StripeError as error:
            raise gateway_error(error) from error
        return SetupIntent(id=intent.id, client_secret=intent.client_secret)

    def payment_method_details(self, payment_method_id):
        try:
            card = self.client.v1.payment_methods.retrieve(payment_method_id).card
        except stripe.StripeError as error:
            raise gateway_error(error) from error
        return CardDetails(brand=card.brand, last4=card.last4, exp_month=card.exp_month, exp_year=card.exp_year,
                           fingerprint=getattr(card, "fingerprint", None) or "")

    def detach_payment_method(self, payment_method_id):
        try:
            self.client.v1.payment_methods.detach(payment_method_id)
        except stripe.InvalidRequestError:
            pass  # already detached or gone: either way it can no longer be charged
        except stripe.StripeError as error:
            raise gateway_error(error) from error

    def set_default_payment_method(self, *, customer_id, payment_method_id):
        try:
            self.client.v1.customers.update(
                customer_id, {"invoice_settings": {"default_payment_method": payment_method_id}}
            )
        except stripe.StripeError as error:
            raise gateway_error(error) from error

    def pay_off_session(self, *, order, payment, customer_id, payment_method_id, method_label):
        params = {
            "amount": order.price,  # cents, computed by the server
            "currency": "eur",
            "payment_method": payment_method_id,
            "off_session": True,
            "confirm": True,
            "metadata": _metadata(order, payment_id=str(payment.pk), flow="saved_card", method_label=method_label),
        }
        if customer_id:
            params["customer"] = customer_id
        try:
            intent = self.client.v1.payment_intents.create(params, {"idempotency_key": f"saved-card-{payment.pk}"})
        except stripe.CardError as error:
            # Declined, or the bank wants the payer present (authentication_required).
            failed = getattr(error.error, "payment_intent", None)
            status = "requires_action" if error.code == "authentication_required" else "failed"
            return PaymentIntent(id=getattr(failed, "id", None), status=status, failure_code=error.code or "",
                                 failure_message=error.user_message or str(error))
        except stripe.StripeError as error:
            raise gateway_error(error) from error
        status = intent.status if intent.status in ("succeeded", "processing", "requires_action") else "failed"
        return PaymentIntent(id=intent.id, status=status)


class SimulatorGateway:
    """A checkout page of our own; it signs its webhook events like Stripe."""

    name = "simulator"

    def create_checkout(self, *, order, payment, customer_id, success_url, cancel_url):
        session_id = f"cs_sim_{payment.pk.hex}"
        return CheckoutSession(id=session_id, url=reverse("billing:simulator", args=[payment.pk]),
                               payment_intent_id=f"pi_sim_{payment.pk.hex}")

    def expire_checkout(self, session_id):
        return True  # the simulator page refuses a payment that is no longer PENDING

    def refund(self, *, payment, amount):
        return Refund(id=f"re_sim_{payment.pk.hex}_{payment.amount_refunded + amount}", amount=amount,
                      status="succeeded")

    # --- Saved cards: what Stripe.js and the API would do with its test cards ---

    @staticmethod
    def create_payment_method(*, number, exp_month, exp_year):
        """A payment method id that carries its display data, so that
        payment_method_details() needs no storage: pm_sim_visa_4242_122030_<nonce>."""
        card = TEST_CARDS[number]
        return f"pm_sim_{card.brand}_{card.last4}_{exp_month:02d}{exp_year}_{uuid.uuid4().hex[:12]}"

    def payment_method_details(self, payment_method_id):
        try:
            _pm, _sim, brand, last4, expiry, _nonce = payment_method_id.split("_")
        except ValueError:
            raise GatewayError(f"not a simulator payment method: {payment_method_id}") from None
        return CardDetails(brand=brand, last4=last4, exp_month=int(expiry[:2]), exp_year=int(expiry[2:]),
                           fingerprint=f"fp_sim_{brand}_{last4}")

    def detach_payment_method(self, payment_method_id):
        pass

    def set_default_payment_method(self, *, customer_id, payment_method_id):
        pass

    def pay_off_session(self, *, order, payment, customer_id, payment_method_id, method_label):
        last4 = self.payment_method_details(payment_method_id).last4
        intent_id = f"pi_sim_{payment.pk.hex}"
        if any(card.last4 == last4 and card.refused == "payment" for card in TEST_CARDS.values()):
            return PaymentIntent(id=intent_id, status="failed", failure_code="card_declined",
                                 failure_message="Your card was declined.")
        return PaymentIntent(id=intent_id, status="succeeded")


@dataclass(frozen=True)
class SimulatorCard:
    brand: str
    last4: str
    refused: str = ""  # "setup": refused when saved; "payment": saved, then every payment is declined


# Stripe's own test numbers, so that a developer types the same cards in both modes.
TEST_CARDS = {
    "4242424242424242": SimulatorCard("visa", "4242"),
    "5555555555554444": SimulatorCard("mastercard", "4444"),
    "4000000000000341": SimulatorCard("visa", "0341", refused="payment"),
    "4000000000009995": SimulatorCard("visa", "9995", refused="setup"),
}


def simulator_enabled():
    return settings.PAYMENTS_SIMULATOR and not settings.STRIPE_SECRET_KEY


def payments_available():
    return bool(settings.STRIPE_SECRET_KEY) or simulator_enabled()


def get_gateway():
    """The configured provider; GatewayNotConfigured (a French message for
    the payer) when there is none."""
    if settings.STRIPE_SECRET_KEY:
        return StripeGateway()
    if simulator_enabled():
        return SimulatorGateway()
    raise GatewayNotConfigured


def webhook_secret():
    """The secret webhooks must be signed with, or None: then every webhook
    is refused. The simulator's public constant counts only in the embedded
    mode; anywhere else only STRIPE_WEBHOOK_SECRET does (a production without
    it would otherwise accept events anyone can sign)."""
    if simulator_enabled():
        return settings.SIMULATOR_WEBHOOK_SECRET
    return settings.STRIPE_WEBHOOK_SECRET or None
