"""The local payment simulator: what Stripe would send, signed like Stripe.

The events go through `webhook_receive` — signature check included — so the
embedded mode runs the same code as production.
"""

import json
import time
import uuid

import stripe
from django.conf import settings

from .gateways import TEST_CARDS, GatewayError, SimulatorGateway
from .payments import webhook_receive

DECLINED_MESSAGE = "Votre carte a été refusée."
TEST_CARD_LABEL = "Visa •••• 4242"


def _event(event_type, obj):
    return {
        "id": f"evt_sim_{uuid.uuid4().hex}", "object": "event", "type": event_type, "livemode": False,
        "created": int(time.time()), "api_version": "simulator", "data": {"object": obj},
    }


def _metadata(payment):
    return {"order_id": str(payment.order_id), "payment_id": str(payment.pk),
            "source": settings.STRIPE_METADATA_SOURCE, "method_label": TEST_CARD_LABEL}


def card_accepted_event(payment):
    return _event("checkout.session.completed", {
        "id": payment.checkout_session_id, "object": "checkout.session", "payment_status": "paid",
        "status": "complete", "amount_total": payment.amount, "currency": "eur",
        "payment_intent": payment.payment_intent_id, "metadata": _metadata(payment),
    })


def card_declined_event(payment):
    return _event("payment_intent.payment_failed", {
        "id": payment.payment_intent_id, "object": "payment_intent", "status": "requires_payment_method",
        "amount": payment.amount, "metadata": _metadata(payment),
        "last_payment_error": {"code": "card_declined", "message": DECLINED_MESSAGE},
    })


def setup_intent_succeeded_event(*, user, payment_method_id):
    return _event("setup_intent.succeeded", {
        "id": f"seti_sim_{uuid.uuid4().hex}", "object": "setup_intent", "status": "succeeded",
        "usage": "off_session", "customer": None, "payment_method": payment_method_id,
        "metadata": {"source": settings.STRIPE_METADATA_SOURCE, "user_id": str(user.pk)},
    })


def saved_card_payment_event(payment, *, payment_method, intent):
    """What Stripe sends after an off-session payment with a saved card."""
    intent_object = {
        "id": intent.id, "object": "payment_intent", "amount": payment.amount, "currency": "eur",
        "payment_method": payment_method.stripe_payment_method_id,
        "metadata": {**_metadata(payment), "flow": "saved_card", "method_label": str(payment_method)},
    }
    if intent.status == "succeeded":
        return _event("payment_intent.succeeded", {**intent_object, "status": "succeeded", "amount_received": payment.amount})
    return _event("payment_intent.payment_failed", {
        **intent_object, "status": "requires_payment_method",
        "last_payment_error": {"code": intent.failure_code or "card_declined", "message": DECLINED_MESSAGE},
    })


def confirm_card_setup(*, user, number, exp_month, exp_year):
    """What Stripe.js and Stripe do when a test card is saved: refuse it
    (GatewayError), or create the payment method and send the signed
    setup_intent.succeeded event. Returns the payment method id."""
    if TEST_CARDS[number].refused == "setup":
        raise GatewayError(DECLINED_MESSAGE)
    payment_method_id = SimulatorGateway.create_payment_method(number=number, exp_month=exp_month, exp_year=exp_year)
    deliver(setup_intent_succeeded_event(user=user, payment_method_id=payment_method_id))
    return payment_method_id


def deliver(event):
    """Sign the event with the simulator's secret and hand it to the webhook."""
    payload = json.dumps(event)
    signature = stripe.WebhookSignature.generate_signature_header(payload, settings.SIMULATOR_WEBHOOK_SECRET)
    return webhook_receive(payload=payload.encode(), signature=signature)
