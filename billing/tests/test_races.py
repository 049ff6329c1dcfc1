"""Standing suite (issue 8): 20 simultaneous submits of every billing button
-> one effect ("Payer" is in test_checkout_sessions.py). Real POSTs through
the views, each from its own logged-in browser and database connection,
against the fake Stripe API. Needs row locks: MariaDB in CI."""

import pytest
from django.urls import reverse

from billing.models import CreditNote, Customer, Invoice, Payment, PaymentMethod
from billing.payments import payment_start_checkout
from core.testing import server_database_only, submit_all
from orders.models import Order

from .test_cards import NEXT_YEAR, stripe_card

pytestmark = [pytest.mark.django_db(transaction=True), server_database_only]


@pytest.fixture
def paid_by_stripe(make_order):
    """An order paid through Stripe, with its invoice."""
    from billing.invoicing import invoice_issue_for_order
    from orders.services import order_mark_paid

    order = make_order()
    payment = Payment.objects.create(
        order=order, provider="stripe", amount=order.price, amount_received=order.price, payment_intent_id="pi_race",
        status=Payment.Status.SUCCEEDED,
    )
    order = order_mark_paid(order=order, amount=order.price)
    invoice_issue_for_order(order=order, payment=payment)
    return order, payment


def refund_form(staff, payment):
    """The refund form as the admin shows it (its hidden fields included)."""
    from django.test import Client

    browser = Client()
    browser.force_login(staff)
    form = browser.get(reverse("admin:billing_payment_refund", args=[payment.pk])).context["form"]
    return {name: "" if form[name].value() is None else form[name].value() for name in form.fields}


@pytest.mark.parametrize("part", ["full", "partial"])
def test_a_refund_submitted_20_times_refunds_once(stripe_mode, staff, paid_by_stripe, part):
    order, payment = paid_by_stripe
    amount = order.price if part == "full" else 1500
    data = {**refund_form(staff, payment), "amount": f"{amount / 100:.2f}".replace(".", ","), "reason": "Double clic"}
    responses = submit_all(staff, reverse("admin:billing_payment_refund", args=[payment.pk]), lambda: dict(data))

    assert len(stripe_mode.calls("/v1/refunds")) == 1
    payment.refresh_from_db()
    assert payment.amount_refunded == amount and len(payment.refund_ids) == 1
    assert CreditNote.objects.filter(invoice__order=order).count() == 1
    order.refresh_from_db()
    assert (order.status == Order.Status.ANNULEE) is (part == "full")
    # One success; every other click says why nothing more happened.
    assert sum(r.status_code == 302 for r in responses) == 1
    refused = {_error(r) for r in responses if r.status_code == 200}
    assert refused <= {"Un remboursement de ce paiement est déjà en cours : rechargez la page dans quelques instants "
                       "pour voir son résultat.",
                       "Ce paiement a été remboursé entre-temps (un autre onglet ?) : vérifiez le montant restant "
                       "avant de recommencer."}


def _error(response):
    return " ".join(response.context["form"].non_field_errors())


def test_a_second_refund_form_still_refunds_the_rest(stripe_mode, staff, paid_by_stripe):
    """The guard is per form: a new form, shown after the first refund, refunds again."""
    order, payment = paid_by_stripe
    url = reverse("admin:billing_payment_refund", args=[payment.pk])
    for amount in ("15,00", "10,00"):
        data = {**refund_form(staff, payment), "amount": amount}
        submit_all(staff, url, lambda data=data: dict(data), times=3)
    payment.refresh_from_db()
    assert payment.amount_refunded == 2500 and len(stripe_mode.calls("/v1/refunds")) == 2


def test_paying_with_a_saved_card_20_times_charges_once(stripe_mode, client_user, make_order):
    card = stripe_card(client_user)
    order = make_order()
    responses = submit_all(client_user, reverse("billing:pay_with_card", args=[order.pk]),
                           lambda: {"payment_method": card.pk})

    assert {r.status_code for r in responses} == {302}
    assert len(stripe_mode.calls("/v1/payment_intents")) == 1
    assert Payment.objects.filter(order=order).count() == 1


def test_the_simulator_accept_pressed_20_times_pays_once(client_user, make_order):
    order = make_order()
    payment_start_checkout(order=order, success_url="http://x/ok", cancel_url="http://x/ko")
    payment = order.payments.get()
    submit_all(client_user, reverse("billing:simulator", args=[payment.pk]), lambda: {"outcome": "accept"})

    order.refresh_from_db()
    assert order.status == Order.Status.PAYEE
    assert Payment.objects.filter(order=order, status=Payment.Status.SUCCEEDED).count() == 1
    assert Invoice.objects.filter(order=order).count() == 1


def test_the_same_card_added_20_times_is_saved_once(client_user):
    responses = submit_all(client_user, reverse("billing:card_add"),
                           lambda: {"number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": NEXT_YEAR})
    assert {r.status_code for r in responses} == {302}
    assert PaymentMethod.objects.filter(user=client_user, is_active=True).count() == 1
    assert PaymentMethod.objects.get(user=client_user).is_default


def test_make_default_pressed_20_times_leaves_one_default(stripe_mode, client_user):
    stripe_card(client_user)
    other = stripe_card(client_user, pm_id="pm_fake_other", last4="4444", is_default=False)
    responses = submit_all(client_user, reverse("billing:card_set_default", args=[other.pk]))
    assert {r.status_code for r in responses} == {302}
    assert list(PaymentMethod.objects.filter(user=client_user, is_default=True)) == [other]


def test_remove_pressed_20_times_removes_once(stripe_mode, client_user):
    first = stripe_card(client_user)
    other = stripe_card(client_user, pm_id="pm_fake_other", last4="4444", is_default=False)
    responses = submit_all(client_user, reverse("billing:card_remove", args=[first.pk]))
    assert {r.status_code for r in responses} == {302}
    first.refresh_from_db()
    other.refresh_from_db()
    assert not first.is_active and other.is_default and other.is_active
    assert Customer.objects.filter(user=client_user).count() == 1


def test_stripe_sync_20_times_creates_one_product(stripe_mode, staff, service):
    """The services admin's "Synchroniser avec Stripe" action."""
    from orders.models import Service

    data = {"action": "sync_to_stripe", "index": "0", "_selected_action": [str(service.pk)]}
    responses = submit_all(staff, reverse("admin:orders_service_changelist"), lambda: dict(data))
    assert {r.status_code for r in responses} == {302}
    creates = [path for method, path, _params in stripe_mode.requests if path in ("/v1/products", "/v1/prices")]
    assert sorted(creates) == ["/v1/prices", "/v1/products"]  # created once; the other runs update it
    service = Service.objects.get(pk=service.pk)
    assert service.stripe_product_id and service.stripe_price_amount == service.price
