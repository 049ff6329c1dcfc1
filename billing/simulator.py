"""The local payment simulator: what Stripe would send, signed like Stripe.

The events go through `webhook_receive` — signature check included — so the
embedded mode runs the same code as production.
"""

import json
import time
import uuid

import stripe
from django.conf import settings

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


def deliver(event):
    """Sign the event with the simulator's secret and hand it to the webhook."""
    payload = json.dumps(event)
    signature = stripe.WebhookSignature.generate_signature_header(payload, settings.SIMULATOR_WEBHOOK_SECRET)
    return webhook_receive(payload=payload.encode(), signature=signature)
