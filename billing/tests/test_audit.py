"""Payments, refunds and invoice sendings leave one audit entry each."""

import pytest

from billing.invoicing import invoice_send
from billing.payments import _record_refund
from core.models import AuditLog

from .factories import InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db


def test_each_sending_of_an_invoice_is_recorded_once():
    invoice = InvoiceFactory()
    before = AuditLog.objects.filter(action="invoice.send").count()
    invoice_send(invoice=invoice)
    invoice_send(invoice=invoice)  # a resend
    entries = AuditLog.objects.filter(action="invoice.send", target_id=str(invoice.pk))
    assert entries.count() == before + 2
    assert entries.first().details == {"number": invoice.number}


def test_a_refund_is_recorded_once_with_who_and_how_much(staff):
    payment = PaymentFactory()
    _record_refund(payment=payment, refund_id="re_1", amount=500, by=staff, reason="geste")
    _record_refund(payment=payment, refund_id="re_1", amount=500, by=staff, reason="geste")  # the webhook, again
    [entry] = AuditLog.objects.filter(action="payment.refund")
    assert (entry.actor, entry.target_type, entry.target_id) == (staff, "billing.payment", str(payment.pk))
    assert entry.details["amount"] == 500
