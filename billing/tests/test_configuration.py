"""Configuration that must not fail open, and signed events that are not what
they claim to be."""

import json
import logging

import pytest
import stripe
from django.core.management import call_command
from django.urls import reverse

from billing import simulator
from billing.models import Payment, PaymentMethod, StripeEvent
from core.testing import page_text
from core.tests.test_settings import PRODUCTION_ENV, manage
from orders.models import Order

from .conftest import WEBHOOK_SECRET

pytestmark = pytest.mark.django_db
WEBHOOK = reverse("billing:webhook")
SIMULATOR_SECRET = "whsec_local_simulator_not_a_real_secret"


def post_signed(client, event, secret=SIMULATOR_SECRET):
    payload = event if isinstance(event, str) else json.dumps(event)
    signature = stripe.WebhookSignature.generate_signature_header(payload, secret)
    return client.post(WEBHOOK, payload, "application/json", HTTP_STRIPE_SIGNATURE=signature)


@pytest.fixture
def pending(make_order):
    order = make_order()
    from billing.payments import payment_start_checkout

    payment_start_checkout(order=order, success_url="http://x/ok", cancel_url="http://x/ko")
    return order, order.payments.get()


# --- Malformed but signed events: 400, logged, nothing written ----------------------

def completed(payment, **object_fields):
    event = simulator.card_accepted_event(payment)
    event["data"]["object"].update(object_fields)
    return event


@pytest.mark.parametrize("case", ["no_data", "no_object", "object_not_a_dict", "payment_id_not_a_uuid",
                                  "session_without_id", "refund_without_amount", "no_type"])
def test_malformed_signed_events_answer_400_and_are_logged(client, pending, case, caplog):
    order, payment = pending
    event = completed(payment)
    if case == "no_data":
        del event["data"]
    elif case == "no_object":
        event["data"] = {}
    elif case == "object_not_a_dict":
        event["data"]["object"] = "cs_123"
    elif case == "payment_id_not_a_uuid":
        event["data"]["object"]["metadata"]["payment_id"] = "42; DROP TABLE"
    elif case == "session_without_id":
        event["data"]["object"]["metadata"].pop("payment_id")
        del event["data"]["object"]["id"]
    elif case == "refund_without_amount":
        event["type"] = "charge.refunded"
        event["data"]["object"] = {"id": "ch_1", "object": "charge", "payment_intent": payment.payment_intent_id}
    else:
        del event["type"]
    with caplog.at_level(logging.ERROR, logger="billing.views"):
        response = post_signed(client, event)
    assert response.status_code == 400
    assert any("malformed" in record.getMessage() for record in caplog.records)
    order.refresh_from_db()
    payment.refresh_from_db()
    assert not StripeEvent.objects.exists()
    assert order.status == Order.Status.EN_ATTENTE and payment.status == Payment.Status.PENDING


def test_a_well_formed_event_still_goes_through_after_a_malformed_one(client, pending):
    order, payment = pending
    bad = completed(payment)
    bad["data"]["object"]["metadata"]["payment_id"] = "not-a-uuid"
    assert post_signed(client, bad).status_code == 400
    assert post_signed(client, completed(payment)).status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.PAYEE


# --- Webhook secrets -------------------------------------------------------------------

@pytest.fixture
def no_payments(settings):
    """Production settings without Stripe: no simulator, no key."""
    settings.PAYMENTS_SIMULATOR = False
    settings.STRIPE_SECRET_KEY = settings.STRIPE_PUBLISHABLE_KEY = settings.STRIPE_WEBHOOK_SECRET = ""


def test_without_stripe_the_simulators_public_secret_is_refused(client, pending, no_payments, caplog):
    order, payment = pending
    with caplog.at_level(logging.ERROR, logger="billing.views"):
        assert post_signed(client, completed(payment)).status_code == 400
    assert "STRIPE_WEBHOOK_SECRET" in caplog.text
    order.refresh_from_db()
    assert order.status == Order.Status.EN_ATTENTE and not StripeEvent.objects.exists()


def test_a_stripe_key_without_webhook_secret_refuses_every_event(client, pending, settings):
    order, payment = pending
    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = "sk_test_fake", ""
    for secret in (SIMULATOR_SECRET, WEBHOOK_SECRET, ""):
        assert post_signed(client, completed(payment), secret=secret or "whsec_").status_code == 400
    assert not StripeEvent.objects.exists()


def test_the_simulator_secret_works_only_in_the_embedded_mode(client, pending):
    order, payment = pending
    assert post_signed(client, completed(payment)).status_code == 200


# --- No gateway: clear French messages, no 500 -------------------------------------------

def test_payer_without_a_gateway_says_so_in_french(client, make_order, client_user, no_payments):
    order = make_order()
    client.force_login(client_user)
    response = client.post(reverse("billing:checkout", args=[order.pk]), follow=True)
    assert response.status_code == 200
    assert "Le paiement en ligne n'est pas disponible pour le moment" in page_text(response)
    assert not Payment.objects.exists()


def test_adding_a_card_without_a_gateway_says_so_in_french(client, client_user, no_payments):
    client.force_login(client_user)
    response = client.get(reverse("billing:card_add"), follow=True)
    assert response.status_code == 200
    assert "Le paiement en ligne n'est pas disponible pour le moment" in page_text(response)
    assert not PaymentMethod.objects.exists()


def test_paying_with_a_saved_card_without_a_gateway_says_so(client, client_user, make_order, no_payments):
    order = make_order()
    card = PaymentMethod.objects.create(user=client_user, stripe_payment_method_id="pm_1", brand="visa", last4="4242",
                                        exp_month=12, exp_year=2040, is_default=True)
    client.force_login(client_user)
    response = client.post(reverse("billing:pay_with_card", args=[order.pk]), {"payment_method": card.pk}, follow=True)
    assert "Le paiement en ligne n'est pas disponible pour le moment" in page_text(response)
    assert not Payment.objects.exists()


# --- Start-up ----------------------------------------------------------------------------

def test_check_says_when_payments_are_off(no_payments, capsys):
    call_command("check")
    assert "billing.W001" in capsys.readouterr().err


def test_production_without_stripe_says_so_in_check_deploy():
    env = {k: v for k, v in PRODUCTION_ENV.items() if not k.startswith("STRIPE_")}
    result = manage("check", "--deploy", env=env)
    assert result.returncode == 0
    assert "billing.W001" in result.stderr and "Paiements désactivés" in result.stderr


@pytest.mark.parametrize("missing", ["STRIPE_WEBHOOK_SECRET", "STRIPE_PUBLISHABLE_KEY"])
def test_production_refuses_to_start_with_a_stripe_key_but_without(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert f"{missing} must be set in production" in result.stderr


# --- The simulator page: only the payer or staff -------------------------------------------

@pytest.mark.parametrize("who", ["anonymous", "other_client", "corrector"])
def test_only_the_payer_may_use_the_simulator_page(client, pending, who, corrector):
    from accounts.tests.factories import UserFactory

    order, payment = pending
    url = reverse("billing:simulator", args=[payment.pk])
    if who == "other_client":
        client.force_login(UserFactory())
    elif who == "corrector":
        client.force_login(corrector)
    assert client.get(url).status_code == 404
    for outcome in ("accept", "decline"):
        assert client.post(url, {"outcome": outcome}).status_code == 404
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.EN_ATTENTE and payment.status == Payment.Status.PENDING
    assert not StripeEvent.objects.exists()


def test_the_payer_and_staff_may_use_the_simulator_page(client, pending, client_user, staff):
    order, payment = pending
    url = reverse("billing:simulator", args=[payment.pk])
    client.force_login(staff)
    assert client.get(url).status_code == 200
    client.force_login(client_user)
    assert client.get(url).status_code == 200
    client.post(url, {"outcome": "accept"})
    order.refresh_from_db()
    assert order.status == Order.Status.PAYEE


def test_a_visitor_pays_only_once_logged_in(client, pending):
    """The visitor order form's answer no longer depends on an order being
    created (no enumeration): a visitor pays after confirming the address and
    logging in. The browser that sent the form cannot pay before."""
    order, payment = pending
    order.client.__class__.objects.filter(pk=order.client_id).update(is_active=False)
    session = client.session
    session["visitor_order_ids"] = [str(order.pk)]  # what the old funnel kept
    session.save()
    assert client.post(reverse("billing:checkout", args=[order.pk])).status_code == 404
    assert client.post(reverse("billing:simulator", args=[payment.pk]), {"outcome": "accept"}).status_code == 404
    order.refresh_from_db()
    assert order.status == Order.Status.EN_ATTENTE
