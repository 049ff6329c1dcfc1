"""The Stripe API failing (HTTP 500) or hanging past the client timeout, on
checkout, refund and card setup: a clear French message, nothing half-written."""

import time

import pytest
from django.urls import reverse

from billing.invoicing import invoice_issue_for_order
from billing.models import CreditNote, Customer, Invoice, Payment, PaymentMethod
from core.testing import page_text
from orders.models import Order
from orders.services import order_mark_paid

pytestmark = pytest.mark.django_db
FAULTS = ["error", "hang"]
MESSAGES = {
    "error": "le service de paiement est momentanément indisponible ; réessayez dans quelques minutes",
    "hang": "le service de paiement ne répond pas ; réessayez dans quelques minutes",
}


@pytest.fixture
def faulty_stripe(stripe_mode, settings):
    """Stripe configured, with a short client timeout and no retries, so a
    hanging API is given up on quickly."""
    settings.STRIPE_TIMEOUT = 0.3
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    stripe_mode.hang_seconds = 1.5
    return stripe_mode


@pytest.mark.parametrize("fault", FAULTS)
def test_checkout_when_stripe_fails(client, faulty_stripe, make_order, client_user, fault):
    order = make_order()
    faulty_stripe.faults["/v1/checkout/sessions"] = fault
    client.force_login(client_user)
    started = time.monotonic()
    response = client.post(reverse("billing:checkout", args=[order.pk]), follow=True)
    assert time.monotonic() - started < 1.4  # the timeout, not the hang, decided
    assert response.status_code == 200
    assert f"Le paiement n'a pas pu être ouvert : {MESSAGES[fault]}" in page_text(response)
    order.refresh_from_db()
    assert order.status == Order.Status.EN_ATTENTE
    # The attempt is kept as FAILED for staff; nothing is left payable.
    assert not Payment.objects.filter(status=Payment.Status.PENDING).exists()
    assert Payment.objects.get().status == Payment.Status.FAILED
    # Once Stripe is back, "Payer" works.
    faulty_stripe.faults.clear()
    assert client.post(reverse("billing:checkout", args=[order.pk])).url.startswith("https://checkout.stripe.com/")


@pytest.fixture
def stripe_paid(make_order):
    order = make_order()
    order = order_mark_paid(order=order, amount=order.price)
    payment = Payment.objects.create(
        order=order, provider="stripe", amount=order.price, amount_received=order.price, payment_intent_id="pi_42",
        checkout_session_id="cs_42", status=Payment.Status.SUCCEEDED,
    )
    invoice_issue_for_order(order=order, payment=payment)
    return order, payment


@pytest.mark.parametrize("fault", FAULTS)
def test_refund_when_stripe_fails(client, faulty_stripe, stripe_paid, staff, fault):
    order, payment = stripe_paid
    faulty_stripe.faults["/v1/refunds"] = fault
    client.force_login(staff)
    amount = f"{payment.amount_received / 100:.2f}".replace(".", ",")
    response = client.post(reverse("admin:billing_payment_refund", args=[payment.pk]), {"amount": amount, "reason": ""})
    assert response.status_code == 200
    assert f"Le remboursement a été refusé : {MESSAGES[fault]}" in page_text(response)
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.amount_refunded == 0 and payment.status == Payment.Status.SUCCEEDED
    assert not CreditNote.objects.exists()
    assert Invoice.objects.get().status != Invoice.Status.CANCELLED
    assert order.status == Order.Status.PAYEE


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("endpoint", ["/v1/customers", "/v1/setup_intents"])
def test_card_setup_when_stripe_fails(client, faulty_stripe, client_user, fault, endpoint):
    faulty_stripe.faults[endpoint] = fault
    client.force_login(client_user)
    response = client.get(reverse("billing:card_add"), follow=True)
    assert response.status_code == 200
    assert MESSAGES[fault] in page_text(response)
    assert response.redirect_chain[-1][0] == reverse("billing:home")
    assert not PaymentMethod.objects.exists()
    # No customer row unless Stripe created the customer.
    assert Customer.objects.exists() == (endpoint == "/v1/setup_intents")


@pytest.mark.parametrize("fault", FAULTS)
def test_saved_card_payment_when_stripe_fails(client, faulty_stripe, client_user, make_order, fault):
    order = make_order()
    card = PaymentMethod.objects.create(user=client_user, stripe_payment_method_id="pm_fake_visa", brand="visa",
                                        last4="4242", exp_month=12, exp_year=2040, is_default=True)
    faulty_stripe.faults["/v1/payment_intents"] = fault
    client.force_login(client_user)
    response = client.post(reverse("billing:pay_with_card", args=[order.pk]), {"payment_method": card.pk}, follow=True)
    assert MESSAGES[fault] in page_text(response)
    order.refresh_from_db()
    assert order.status == Order.Status.EN_ATTENTE
    assert not Payment.objects.filter(status=Payment.Status.PENDING).exists()
