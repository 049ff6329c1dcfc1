"""Where money moves: Stripe, or the local simulator that stands in for it.

Both answer the same few calls, so the payment services do not know which
one runs. The simulator exists only without a Stripe key and with
PAYMENTS_SIMULATOR on (never in production).
"""

from dataclasses import dataclass

import stripe
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse


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


class GatewayError(Exception):
    """The provider refused; its message is safe to show staff."""


def stripe_client():
    client_options = {}
    if settings.STRIPE_API_BASE:
        client_options["base_addresses"] = {"api": settings.STRIPE_API_BASE}
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, **client_options, max_network_retries=2)


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
            raise GatewayError(error.user_message or str(error)) from error
        return CheckoutSession(id=session.id, url=session.url)

    def refund(self, *, payment, amount):
        try:
            refund = self.client.v1.refunds.create(
                {"payment_intent": payment.payment_intent_id, "amount": amount,
                 "metadata": {"source": settings.STRIPE_METADATA_SOURCE, "payment_id": str(payment.pk)}},
                {"idempotency_key": f"refund-{payment.pk}-{payment.amount_refunded}-{amount}"},
            )
        except stripe.StripeError as error:
            raise GatewayError(error.user_message or str(error)) from error
        if refund.status == "failed":
            raise GatewayError(refund.failure_reason or "refund failed")
        return Refund(id=refund.id, amount=refund.amount, status=refund.status)


class SimulatorGateway:
    """A checkout page of our own; it signs its webhook events like Stripe."""

    name = "simulator"

    def create_checkout(self, *, order, payment, customer_id, success_url, cancel_url):
        session_id = f"cs_sim_{payment.pk.hex}"
        return CheckoutSession(id=session_id, url=reverse("billing:simulator", args=[payment.pk]),
                               payment_intent_id=f"pi_sim_{payment.pk.hex}")

    def refund(self, *, payment, amount):
        return Refund(id=f"re_sim_{payment.pk.hex}_{payment.amount_refunded + amount}", amount=amount,
                      status="succeeded")


def simulator_enabled():
    return settings.PAYMENTS_SIMULATOR and not settings.STRIPE_SECRET_KEY


def get_gateway():
    if settings.STRIPE_SECRET_KEY:
        return StripeGateway()
    if simulator_enabled():
        return SimulatorGateway()
    raise ImproperlyConfigured("No payment gateway: set STRIPE_SECRET_KEY (or PAYMENTS_SIMULATOR outside production).")


def webhook_secret():
    return settings.STRIPE_WEBHOOK_SECRET if settings.STRIPE_SECRET_KEY else settings.SIMULATOR_WEBHOOK_SECRET
