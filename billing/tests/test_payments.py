import json
import time

import pytest
import stripe
from django.core import mail
from django.urls import reverse

from accounts.tests.factories import UserFactory
from billing import simulator
from billing.invoicing import invoice_issue_for_order
from billing.models import CreditNote, Invoice, Payment, StripeEvent
from billing.payments import PaymentError, payment_refund, payment_start_checkout
from core.testing import page_text, run_in_threads, server_database_only
from orders.models import Order, OrderEvent

pytestmark = pytest.mark.django_db
WEBHOOK = reverse("billing:webhook")
SECRET = "whsec_local_simulator_not_a_real_secret"


def start_checkout(order):
    before = set(order.payments.values_list("pk", flat=True))
    payment_start_checkout(order=order, success_url="http://testserver/ok", cancel_url="http://testserver/ko")
    return order.payments.exclude(pk__in=before).get()


def post_event(client, event, *, secret=SECRET, timestamp=None, body=None):
    payload = json.dumps(event)
    signature = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)
    return client.post(WEBHOOK, data=body or payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)


@pytest.fixture
def pending(make_order):
    order = make_order()
    return order, start_checkout(order)


# --- Signatures ---------------------------------------------------------------

@pytest.mark.parametrize("attack", ["missing", "wrong_secret", "tampered", "stale"])
def test_bad_signatures_are_refused_and_change_nothing(client, pending, attack):
    order, payment = pending
    event = simulator.card_accepted_event(payment)
    if attack == "missing":
        response = client.post(WEBHOOK, data=json.dumps(event), content_type="application/json")
    elif attack == "wrong_secret":
        response = post_event(client, event, secret="whsec_attacker")
    elif attack == "tampered":
        forged = dict(event, data={"object": {**event["data"]["object"], "amount_total": 1}})
        response = post_event(client, event, body=json.dumps(forged))
    else:
        response = post_event(client, event, timestamp=int(time.time()) - 600)
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == Order.Status.EN_ATTENTE
    assert not StripeEvent.objects.exists() and not Invoice.objects.exists()


def test_a_valid_event_marks_the_order_paid_and_issues_the_invoice(client, pending):
    order, payment = pending
    response = post_event(client, simulator.card_accepted_event(payment))
    assert response.status_code == 200
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.PAYEE and order.amount == order.price
    assert payment.status == Payment.Status.SUCCEEDED and payment.method_label == "Visa •••• 4242"
    invoice = Invoice.objects.get(order=order)
    assert invoice.amount_ttc == order.price and invoice.status == Invoice.Status.PAID
    assert any(m.attachments for m in mail.outbox)  # the invoice PDF went to the client


@pytest.mark.parametrize("deliveries", [2, 20])
def test_redelivered_events_are_processed_once(client, pending, deliveries):
    order, payment = pending
    event = simulator.card_accepted_event(payment)
    for _ in range(deliveries):
        assert post_event(client, event).status_code == 200
    assert Invoice.objects.filter(order=order).count() == 1
    assert OrderEvent.objects.filter(order=order, to_status=Order.Status.PAYEE).count() == 1
    assert StripeEvent.objects.get().outcome == "paid"


def test_events_from_another_application_on_the_account_are_ignored(client, pending):
    order, payment = pending
    event = simulator.card_accepted_event(payment)
    event["data"]["object"]["metadata"]["source"] = "another-shop"
    assert post_event(client, event).status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.EN_ATTENTE
    assert StripeEvent.objects.get().outcome == "foreign"


def test_amount_mismatch_is_flagged_and_issues_no_invoice(client, pending):
    order, payment = pending
    event = simulator.card_accepted_event(payment)
    event["data"]["object"]["amount_total"] = order.price - 100
    post_event(client, event)
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.EN_ATTENTE
    assert payment.needs_review and "montant" in payment.review_reason
    assert not Invoice.objects.exists()


def test_unknown_events_are_acknowledged(client):
    event = {"id": "evt_unknown", "object": "event", "type": "customer.created", "data": {"object": {"id": "cus_1"}}}
    assert post_event(client, event).status_code == 200
    assert StripeEvent.objects.get().outcome == "ignored"


def test_declined_card_keeps_the_order_payable_and_tells_the_client(client, pending, client_user):
    order, payment = pending
    post_event(client, simulator.card_declined_event(payment))
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.FAILED and "refusée" in payment.failure_message
    assert order.status == Order.Status.EN_ATTENTE
    assert mail.outbox[-1].to == [client_user.email] and "n'a pas abouti" in mail.outbox[-1].subject
    # A new attempt is possible.
    assert start_checkout(order).pk != payment.pk


def test_paying_an_order_twice_is_impossible(client, pending):
    order, payment = pending
    second = start_checkout(order)  # two tabs opened before paying
    post_event(client, simulator.card_accepted_event(payment))
    with pytest.raises(PaymentError, match="déjà payée"):
        start_checkout(order)
    post_event(client, simulator.card_accepted_event(second))
    second.refresh_from_db()
    assert second.needs_review  # the money came twice: staff refund it
    assert Invoice.objects.filter(order=order).count() == 1


def test_visitor_payment_sends_the_activation_link_again(client, pending):
    order, payment = pending
    order.client.__class__.objects.filter(pk=order.client_id).update(is_active=False, email_verified_at=None)
    post_event(client, simulator.card_accepted_event(payment))
    assert any("/accounts/activate/" in m.body for m in mail.outbox)
    order.client.refresh_from_db()
    assert not order.client.is_active  # paying activates nothing by itself


@pytest.mark.django_db(transaction=True)
@server_database_only
def test_concurrent_deliveries_of_the_same_event_issue_one_invoice(make_order):
    order = make_order()
    payment = start_checkout(order)
    event = simulator.card_accepted_event(payment)
    outcomes, errors = run_in_threads(range(6), lambda _: simulator.deliver(event), threads=6)
    assert errors == [] and sorted(outcomes) == ["duplicate"] * 5 + ["paid"]
    assert Invoice.objects.filter(order=order).count() == 1
    assert StripeEvent.objects.count() == 1
    assert OrderEvent.objects.filter(order=order, to_status=Order.Status.PAYEE).count() == 1


# --- Pages ----------------------------------------------------------------------

def test_client_pays_through_the_simulator(client, make_order, client_user):
    order = make_order()
    client.force_login(client_user)
    response = client.post(reverse("billing:checkout", args=[order.pk]))
    assert response.status_code == 302 and "/billing/simulator/" in response.url
    page = client.get(response.url)
    assert "Paiement de test" in page_text(page) or "Paiement sécurisé" in page_text(page)
    done = client.post(response.url, {"outcome": "accept"}, follow=True)
    assert "Paiement reçu" in page_text(done) or "confirmation" in page_text(done)
    order.refresh_from_db()
    assert order.status == Order.Status.PAYEE


def test_declined_card_in_the_simulator_shows_a_message(client, make_order, client_user):
    order = make_order()
    client.force_login(client_user)
    url = client.post(reverse("billing:checkout", args=[order.pk])).url
    response = client.post(url, {"outcome": "decline"}, follow=True)
    assert "Votre carte a été refusée." in page_text(response)
    order.refresh_from_db()
    assert order.status == Order.Status.EN_ATTENTE


def test_nobody_else_can_pay_or_open_an_order_checkout(client, make_order):
    order = make_order()
    client.force_login(UserFactory())
    assert client.post(reverse("billing:checkout", args=[order.pk])).status_code == 404
    assert client.get(reverse("billing:checkout_return", args=[order.pk])).status_code == 404


def test_billing_page_lists_invoices_and_unpaid_orders(client, pending, make_order, client_user):
    order, payment = pending
    post_event(client, simulator.card_accepted_event(payment))
    make_order(title="Encore à payer")
    client.force_login(client_user)
    response = client.get(reverse("billing:home"))
    text = page_text(response)
    assert Invoice.objects.get(order=order).number in text
    assert "Encore à payer" in text
    assert f"{order.price // 100},00" in text.replace("\u202f", "")


def test_other_clients_do_not_see_my_invoices(client, pending):
    order, payment = pending
    post_event(client, simulator.card_accepted_event(payment))
    client.force_login(UserFactory())
    assert Invoice.objects.get(order=order).number not in page_text(client.get(reverse("billing:home")))


# --- Refunds ---------------------------------------------------------------------

@pytest.fixture
def paid_payment(client, pending):
    order, payment = pending
    post_event(client, simulator.card_accepted_event(payment))
    payment.refresh_from_db()
    return order, payment


def test_partial_then_full_refund(paid_payment, staff):
    order, payment = paid_payment
    payment_refund(payment=payment, amount=10000, by=staff, reason="Geste commercial")
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.PARTIALLY_REFUNDED and order.status == Order.Status.PAYEE
    payment_refund(payment=payment, amount=order.price - 10000, by=staff)
    order.refresh_from_db()
    assert order.status == Order.Status.ANNULEE
    assert list(CreditNote.objects.order_by("issued_at").values_list("amount_ttc", flat=True)) == [10000, order.price - 10000]


def test_refund_rules(paid_payment, client_user, staff):
    order, payment = paid_payment
    with pytest.raises(PaymentError, match="équipe"):
        payment_refund(payment=payment, amount=100, by=client_user)
    with pytest.raises(PaymentError, match="compris entre"):
        payment_refund(payment=payment, amount=order.price + 1, by=staff)
    assert not CreditNote.objects.exists()


def test_refund_reported_by_stripe_is_recorded_once(client, paid_payment, staff):
    order, payment = paid_payment
    payment_refund(payment=payment, amount=5000, by=staff)
    charge = {"id": "ch_1", "object": "charge", "payment_intent": payment.payment_intent_id,
              "amount_refunded": 5000, "metadata": {}}
    post_event(client, {"id": "evt_refund_1", "object": "event", "type": "charge.refunded", "data": {"object": charge}})
    assert CreditNote.objects.count() == 1


def test_yearly_total_counts_refunds_once(client, paid_payment, staff, client_user):
    order, payment = paid_payment
    payment_refund(payment=payment, amount=payment.amount_received, by=staff)  # invoice now CANCELLED
    client.force_login(client_user)
    totals = client.get(reverse("billing:home")).context["yearly"]
    assert [row["total"] for row in totals] == [0]


def test_failed_payment_and_refund_notify_the_client(client, pending, staff, django_capture_on_commit_callbacks):
    from notifications.models import Notification

    order, payment = pending
    post_event(client, simulator.card_declined_event(payment))
    assert Notification.objects.filter(user=order.client, title="Paiement non abouti").exists()
    retry = start_checkout(order)
    post_event(client, simulator.card_accepted_event(retry))
    retry.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        payment_refund(payment=retry, amount=1000, by=staff)
    refund = Notification.objects.get(user=order.client, title="Remboursement effectué")
    assert "10,00" in refund.message


def test_billing_page_costs_the_same_queries_for_1_and_10_invoices(
    client, client_user, make_order, django_assert_max_num_queries
):
    def pay_one(title):
        order = make_order(title=title)
        payment = start_checkout(order)
        simulator.deliver(simulator.card_accepted_event(payment))
        invoice_issue_for_order(order=order, payment=payment)  # the task runs on commit

    pay_one("Un")
    make_order(title="À payer")
    client.force_login(client_user)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("billing:home"))
    for n in range(9):
        pay_one(f"Livre {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("billing:home"))
    assert len(response.context["invoices"]) == 10
