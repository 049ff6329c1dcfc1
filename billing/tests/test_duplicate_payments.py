"""A second payment for a paid order: flagged, staff alerted, and a refund of
it touches neither the first payment's invoice nor the order."""

import json

import pytest
import stripe
from django.core import mail
from django.urls import reverse

from accounts.tests.factories import AdminFactory
from billing import simulator
from billing.models import CreditNote, Invoice, Payment
from billing.payments import payment_refund, payment_start_checkout
from core.models import OutboxEmail
from core.testing import page_text
from notifications.models import Notification
from orders.models import Order

pytestmark = pytest.mark.django_db
SECRET = "whsec_local_simulator_not_a_real_secret"


def open_checkout(order):
    before = set(order.payments.values_list("pk", flat=True))
    payment_start_checkout(order=order, success_url="http://x/ok", cancel_url="http://x/ko")
    return order.payments.exclude(pk__in=before).get()


def deliver(client, event):
    payload = json.dumps(event)
    signature = stripe.WebhookSignature.generate_signature_header(payload, SECRET)
    return client.post(reverse("billing:webhook"), payload, "application/json", HTTP_STRIPE_SIGNATURE=signature)


@pytest.fixture
def paid_twice(client, make_order, staff):
    """Two tabs, both paid: the first pays the order, the second is the duplicate."""
    order = make_order()
    first, second = open_checkout(order), open_checkout(order)
    assert deliver(client, simulator.card_accepted_event(first)).status_code == 200
    assert deliver(client, simulator.card_accepted_event(second)).status_code == 200
    first.refresh_from_db()
    second.refresh_from_db()
    order.refresh_from_db()
    return order, first, second


def test_the_second_payment_is_flagged_as_a_duplicate(paid_twice):
    order, first, second = paid_twice
    assert order.status == Order.Status.PAYEE
    assert first.status == Payment.Status.SUCCEEDED and not first.needs_review
    assert second.status == Payment.Status.SUCCEEDED and second.needs_review
    assert second.review_kind == Payment.ReviewKind.DUPLICATE
    assert Invoice.objects.get(order=order).payment_id == first.pk


def test_every_flagged_payment_alerts_every_active_admin(paid_twice, staff):
    order, _first, second = paid_twice
    other_admin = AdminFactory()  # created after the flag: not alerted
    alert = Notification.objects.get(user=staff, title__startswith="Paiement à vérifier")
    assert "double paiement" in alert.title
    assert alert.action_url == reverse("admin:billing_payment_change", args=[second.pk])
    assert not Notification.objects.filter(user=other_admin).exists()
    emails = [m for m in mail.outbox if m.to == [staff.email]]
    assert len(emails) == 1 and "Paiement à vérifier" in emails[0].subject and order.title in emails[0].subject
    assert reverse("admin:billing_payment_change", args=[second.pk]) in emails[0].body
    assert f"{reverse('admin:billing_payment_changelist')}?review=todo" in emails[0].body
    assert OutboxEmail.objects.filter(template="payment_review", to=staff.email, status=OutboxEmail.Status.SENT).count() == 1
    assert not any(m.to == [order.client.email] and "vérifier" in m.subject for m in mail.outbox)


def test_an_amount_mismatch_is_flagged_and_alerts_staff(client, make_order, staff):
    order = make_order()
    payment = open_checkout(order)
    event = simulator.card_accepted_event(payment)
    event["data"]["object"]["amount_total"] = order.price - 100
    deliver(client, event)
    payment.refresh_from_db()
    assert payment.review_kind == Payment.ReviewKind.AMOUNT_MISMATCH
    assert Notification.objects.filter(user=staff, title__contains="montant").exists()


def test_refunding_the_duplicate_credits_no_invoice_and_keeps_the_order(
    paid_twice, staff, django_capture_on_commit_callbacks
):
    order, first, second = paid_twice
    invoice = Invoice.objects.get(order=order)
    with django_capture_on_commit_callbacks(execute=True):
        payment_refund(payment=second, amount=second.amount_received, by=staff, reason="Doublon")
    second.refresh_from_db()
    order.refresh_from_db()
    invoice.refresh_from_db()
    assert second.status == Payment.Status.REFUNDED and second.amount_refunded == order.price
    assert not CreditNote.objects.exists()
    assert invoice.status == Invoice.Status.PAID
    assert order.status == Order.Status.PAYEE
    told = Notification.objects.get(user=order.client, title="Remboursement effectué")
    assert "paiement en trop" in told.message and "avoir" not in told.message


def test_refunding_the_first_payment_credits_its_own_invoice_and_cancels(paid_twice, staff):
    order, first, _second = paid_twice
    payment_refund(payment=first, amount=first.amount_received, by=staff)
    order.refresh_from_db()
    note = CreditNote.objects.get()
    assert note.invoice == Invoice.objects.get(order=order, payment=first)
    assert order.status == Order.Status.ANNULEE


def test_the_duplicates_refund_reported_again_by_stripe_is_counted_once(client, paid_twice, staff):
    order, _first, second = paid_twice
    refund = payment_refund(payment=second, amount=5000, by=staff)
    charge = {"id": "ch_dup", "object": "charge", "payment_intent": second.payment_intent_id, "amount_refunded": 5000,
              "refunds": {"data": [{"id": refund.id, "amount": 5000}]}, "metadata": {}}
    event = {"id": "evt_dup_refund", "object": "event", "type": "charge.refunded", "data": {"object": charge}}
    assert deliver(client, event).status_code == 200
    second.refresh_from_db()
    assert second.amount_refunded == 5000 and second.refund_ids == [refund.id]
    assert not CreditNote.objects.exists()


def test_admin_shows_the_double_payment_view_and_refunds_it(client, paid_twice, staff):
    order, first, second = paid_twice
    client.force_login(staff)
    changelist = reverse("admin:billing_payment_changelist")
    listing = client.get(changelist, {"review": "DUPLICATE"})
    assert listing.status_code == 200
    assert list(listing.context["cl"].queryset) == [second]
    assert "Double paiement" in page_text(listing)
    assert list(client.get(changelist, {"review": "todo"}).context["cl"].queryset) == [second]

    refund_url = reverse("admin:billing_payment_refund", args=[second.pk])
    page = page_text(client.get(refund_url))
    assert "Double paiement" in page and "n'émet aucun avoir" in page
    amount = f"{second.amount_received / 100:.2f}".replace(".", ",")
    client.post(refund_url, {"amount": amount, "reason": "Doublon"})
    order.refresh_from_db()
    assert order.status == Order.Status.PAYEE and not CreditNote.objects.exists()
    assert list(client.get(changelist, {"review": "todo"}).context["cl"].queryset) == []
    assert "annule la commande" in page_text(client.get(reverse("admin:billing_payment_refund", args=[first.pk])))
