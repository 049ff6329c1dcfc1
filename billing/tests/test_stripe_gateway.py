"""Our Stripe calls, over HTTP, against a local fake of the Stripe API."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import stripe
from django.urls import reverse

from billing.models import CreditNote, Payment
from billing.payments import PaymentError, payment_refund, payment_start_checkout
from orders.models import Order

pytestmark = pytest.mark.django_db
WEBHOOK_SECRET = "whsec_test_fake"




def test_checkout_session_carries_the_server_price_and_our_metadata(stripe_mode, make_order):
    order = make_order(urgent=True)
    url = payment_start_checkout(order=order, success_url="https://x/ok", cancel_url="https://x/ko")
    assert url.startswith("https://checkout.stripe.com/")
    (params,) = stripe_mode.calls("/v1/checkout/sessions")
    assert params["mode"] == "payment"
    assert params["line_items"]["0"]["price_data"] == {
        "currency": "eur", "unit_amount": str(order.price), "product_data": {"name": f"{order.service.name} — {order.title}"},
    }
    assert params["metadata"]["order_id"] == str(order.pk) and params["metadata"]["source"] == "staka-livres"
    assert params["billing_address_collection"] == "required"
    assert (params["success_url"], params["cancel_url"]) == ("https://x/ok", "https://x/ko")
    payment = order.payments.get()
    assert payment.provider == "stripe" and payment.checkout_session_id.startswith("cs_test_fake")


def test_stripe_signed_completion_marks_the_order_paid(client, stripe_mode, make_order):
    order = make_order()
    payment_start_checkout(order=order, success_url="https://x/ok", cancel_url="https://x/ko")
    payment = order.payments.get()
    event = {"id": "evt_1", "object": "event", "type": "checkout.session.completed", "livemode": False, "data": {"object": {
        "id": payment.checkout_session_id, "object": "checkout.session", "payment_status": "paid",
        "amount_total": order.price, "payment_intent": "pi_123",
        "metadata": {"order_id": str(order.pk), "payment_id": str(payment.pk), "source": "staka-livres"},
    }}}
    payload = json.dumps(event)
    signature = stripe.WebhookSignature.generate_signature_header(payload, WEBHOOK_SECRET)
    # The simulator's secret is not accepted once Stripe is configured.
    forged = stripe.WebhookSignature.generate_signature_header(payload, "whsec_local_simulator_not_a_real_secret")
    assert client.post(reverse("billing:webhook"), payload, "application/json", HTTP_STRIPE_SIGNATURE=forged).status_code == 400
    assert client.post(reverse("billing:webhook"), payload, "application/json", HTTP_STRIPE_SIGNATURE=signature).status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.PAYEE


def _paid(order):
    return Payment.objects.create(
        order=order, provider="stripe", amount=order.price, amount_received=order.price, payment_intent_id="pi_42",
        status=Payment.Status.SUCCEEDED,
    )


def test_refund_goes_to_stripe(stripe_mode, make_order, staff):
    order = make_order()
    payment = _paid(order)
    payment_refund(payment=payment, amount=1500, by=staff)
    (params,) = stripe_mode.calls("/v1/refunds")
    assert params["payment_intent"] == "pi_42" and params["amount"] == "1500"
    payment.refresh_from_db()
    assert payment.amount_refunded == 1500 and payment.status == Payment.Status.PARTIALLY_REFUNDED


def test_a_refund_stripe_refuses_changes_nothing(stripe_mode, make_order, staff):
    order = make_order()
    payment = _paid(order)
    stripe_mode.refuse_refunds = True
    with pytest.raises(PaymentError, match="refusé"):
        payment_refund(payment=payment, amount=order.price, by=staff)
    payment.refresh_from_db()
    assert payment.amount_refunded == 0 and payment.status == Payment.Status.SUCCEEDED
    assert not CreditNote.objects.exists()


def test_the_simulator_does_not_exist_with_production_settings():
    root = Path(__file__).resolve().parents[2]
    env = {
        "PATH": os.environ["PATH"], "SECRET_KEY": "x" * 60, "DATABASE_URL": "mysql://u:p@127.0.0.1:3306/x",
        "ALLOWED_HOSTS": "staka.fr", "PAYMENTS_SIMULATOR": "true",
    }
    code = (
        "import django; django.setup()\n"
        "from django.urls import resolve, Resolver404\n"
        "try:\n    resolve('/billing/simulator/00000000-0000-0000-0000-000000000000/'); print('FOUND')\n"
        "except Resolver404:\n    print('NOT FOUND')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.production"},
    )
    assert result.stdout.strip() == "NOT FOUND", result.stderr


def test_services_sync_creates_then_archives_changed_prices(stripe_mode, service):
    from django.core.management import call_command

    call_command("sync_services_to_stripe")
    service.refresh_from_db()
    first_price = service.stripe_price_id
    assert service.stripe_product_id.startswith("prod_fake") and first_price.startswith("price_fake")
    (product,) = stripe_mode.calls("/v1/products")
    assert product["name"] == service.name and product["metadata"]["source"] == "staka-livres"
    (price,) = stripe_mode.calls("/v1/prices")
    assert price["unit_amount"] == str(service.price) and price["currency"] == "eur"

    call_command("sync_services_to_stripe")  # nothing changed: no new price
    assert len(stripe_mode.calls("/v1/prices")) == 1

    service.price = 250
    service.save()
    call_command("sync_services_to_stripe")
    service.refresh_from_db()
    assert service.stripe_price_id != first_price and service.stripe_price_amount == 250
    assert stripe_mode.calls(f"/v1/prices/{first_price}") == [{"active": "false"}]


def test_services_sync_refuses_without_stripe(settings, service):
    from django.core.management import CommandError, call_command

    settings.STRIPE_SECRET_KEY = ""
    with pytest.raises(CommandError, match="Stripe n'est pas configuré"):
        call_command("sync_services_to_stripe")


def test_a_refused_refund_releases_its_claim(stripe_mode, make_order, staff):
    """The claim that stops a second concurrent refund is released when Stripe
    refuses: staff can try again at once."""
    order = make_order()
    payment = _paid(order)
    stripe_mode.refuse_refunds = True
    with pytest.raises(PaymentError, match="refusé"):
        payment_refund(payment=payment, amount=1500, by=staff)
    payment.refresh_from_db()
    assert payment.refund_started_at is None
    stripe_mode.refuse_refunds = False
    payment_refund(payment=payment, amount=1500, by=staff)
    payment.refresh_from_db()
    assert payment.amount_refunded == 1500 and payment.refund_started_at is None


def test_a_refund_in_flight_blocks_another_until_its_claim_expires(stripe_mode, make_order, staff):
    from datetime import timedelta

    from django.utils import timezone

    from billing.payments import REFUND_IN_FLIGHT

    order = make_order()
    payment = _paid(order)
    Payment.objects.filter(pk=payment.pk).update(refund_started_at=timezone.now() - timedelta(seconds=30))
    with pytest.raises(PaymentError, match="déjà en cours"):
        payment_refund(payment=payment, amount=1500, by=staff)
    assert stripe_mode.calls("/v1/refunds") == []
    # A claim left by a crashed worker does not block refunds for ever.
    Payment.objects.filter(pk=payment.pk).update(refund_started_at=timezone.now() - REFUND_IN_FLIGHT - timedelta(1))
    payment_refund(payment=payment, amount=1500, by=staff)
    assert len(stripe_mode.calls("/v1/refunds")) == 1


def test_a_refund_form_submitted_again_after_it_went_through_is_refused(stripe_mode, make_order, staff):
    order = make_order()
    payment = _paid(order)
    payment_refund(payment=payment, amount=1500, by=staff, refunded_before=0)
    with pytest.raises(PaymentError, match="remboursé entre-temps"):
        payment_refund(payment=payment, amount=1500, by=staff, refunded_before=0)
    payment.refresh_from_db()
    assert payment.amount_refunded == 1500 and len(stripe_mode.calls("/v1/refunds")) == 1
