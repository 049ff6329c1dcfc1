"""At most one open checkout per order: a new one (second tab, double click,
20 concurrent clicks) expires the others, here and at Stripe."""

import json

import pytest
import stripe
from django.test import Client
from django.urls import reverse

from billing.models import Invoice, Payment
from billing.payments import payment_start_checkout
from core.testing import page_text, run_in_threads, server_database_only
from orders.models import Order

from .conftest import WEBHOOK_SECRET

pytestmark = pytest.mark.django_db
P = Payment.Status


def open_checkout(order):
    return payment_start_checkout(order=order, success_url="https://x/ok", cancel_url="https://x/ko")


def stripe_completed(client, payment, *, event_id):
    event = {"id": event_id, "object": "event", "type": "checkout.session.completed", "data": {"object": {
        "id": payment.checkout_session_id, "object": "checkout.session", "payment_status": "paid",
        "amount_total": payment.amount, "payment_intent": f"pi_{event_id}",
        "metadata": {"order_id": str(payment.order_id), "payment_id": str(payment.pk), "source": "staka-livres"},
    }}}
    payload = json.dumps(event)
    signature = stripe.WebhookSignature.generate_signature_header(payload, WEBHOOK_SECRET)
    return client.post(reverse("billing:webhook"), payload, "application/json", HTTP_STRIPE_SIGNATURE=signature)


def test_a_second_tab_expires_the_first_checkout_here_and_at_stripe(stripe_mode, make_order):
    order = make_order()
    open_checkout(order)
    first = order.payments.get()
    open_checkout(order)
    second = order.payments.exclude(pk=first.pk).get()
    first.refresh_from_db()
    assert first.status == P.EXPIRED and second.status == P.PENDING
    assert stripe_mode.calls(f"/v1/checkout/sessions/{first.checkout_session_id}/expire") == [{}]
    assert stripe_mode.open_sessions() == [second.checkout_session_id]


def test_in_the_simulator_the_replaced_checkout_can_no_longer_be_paid(client, make_order, client_user):
    order = make_order()
    client.force_login(client_user)
    first_url = client.post(reverse("billing:checkout", args=[order.pk])).url
    second_url = client.post(reverse("billing:checkout", args=[order.pk])).url
    assert first_url != second_url
    assert "déjà traité" in page_text(client.get(first_url))
    client.post(first_url, {"outcome": "accept"})
    order.refresh_from_db()
    assert order.status == Order.Status.EN_ATTENTE
    assert order.payments.filter(status=P.PENDING).count() == 1


def test_a_replaced_session_paid_before_stripe_closed_it_still_counts(client, stripe_mode, make_order):
    # The payer completed tab 1 just before tab 2 asked Stripe to expire it.
    order = make_order()
    open_checkout(order)
    first = order.payments.get()
    stripe_mode.sessions[first.checkout_session_id] = "complete"  # Stripe refuses to expire it
    open_checkout(order)
    second = order.payments.exclude(pk=first.pk).get()
    assert stripe_completed(client, first, event_id="evt_tab1").status_code == 200
    order.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert order.status == Order.Status.PAYEE and first.status == P.SUCCEEDED
    # The order is paid: the newer checkout is closed too, so it cannot take the money twice.
    assert second.status == P.EXPIRED
    assert stripe_mode.open_sessions() == []


def test_paying_expires_the_other_open_checkout_at_stripe(client, stripe_mode, make_order):
    order = make_order()
    open_checkout(order)
    paid = order.payments.get()
    # A checkout the lock let through before this fix: two PENDING sessions.
    other = Payment.objects.create(order=order, provider="stripe", amount=order.price, checkout_session_id="cs_other")
    stripe_mode.sessions["cs_other"] = "open"
    assert stripe_completed(client, paid, event_id="evt_paid").status_code == 200
    other.refresh_from_db()
    assert other.status == P.EXPIRED
    assert stripe_mode.sessions["cs_other"] == "expired"


@server_database_only
@pytest.mark.django_db(transaction=True)
def test_20_concurrent_payer_clicks_leave_exactly_one_open_checkout(stripe_mode, make_order, client_user):
    order = make_order()

    def click(_):
        browser = Client()
        browser.force_login(client_user)
        response = browser.post(reverse("billing:checkout", args=[order.pk]))
        return response.status_code

    codes, errors = run_in_threads(range(20), click, threads=20)

    assert errors == [] and codes == [302] * 20
    open_payments = Payment.objects.filter(order=order, status=P.PENDING)
    assert open_payments.count() == 1
    assert Payment.objects.filter(order=order).count() == 20
    assert set(Payment.objects.filter(order=order).values_list("status", flat=True)) == {P.PENDING, P.EXPIRED}
    # At Stripe too: 20 sessions were opened, 19 expired, the open one is ours.
    assert len(stripe_mode.sessions) == 20
    assert stripe_mode.open_sessions() == [open_payments.get().checkout_session_id]
    assert not Invoice.objects.exists()
