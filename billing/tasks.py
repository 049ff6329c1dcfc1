"""Thin Celery tasks over billing.invoicing. Each one is idempotent: a task
that runs twice (a worker killed after the work, a redelivery) changes
nothing the second time, except re-sending an e-mail whose sending was not
recorded yet."""

import logging
import smtplib

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from orders.models import Order

from . import invoicing
from .models import CreditNote, Invoice, Payment

logger = logging.getLogger(__name__)

# Worth another try later: the mail server or the database (a deadlock
# victim, a lost connection) said no for now.
TRANSIENT_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError, OperationalError)
RETRY = {"autoretry_for": TRANSIENT_ERRORS, "retry_backoff": True, "retry_backoff_max": 600, "max_retries": 6}


@shared_task(**RETRY)
def issue_invoice_for_paid_order(order_id, payment_id=None):
    """Issue the paid order's invoice, mark it paid and e-mail it — each step
    only if not done yet. Queued by the payment webhook on commit."""
    order = Order.objects.get(pk=order_id)
    payment = Payment.objects.get(pk=payment_id) if payment_id else None
    invoice = invoicing.invoice_issue_for_order(order=order, payment=payment)
    paid_at = (payment.paid_at if payment is not None else None) or order.paid_at
    if invoice.status != Invoice.Status.PAID and paid_at is not None:
        invoice = invoicing.invoice_mark_paid(invoice=invoice, paid_at=paid_at)
    elif paid_at is None:
        logger.warning("order %s has no payment date: invoice %s left unpaid", order.pk, invoice.number)
    if invoice.sent_at is None:
        invoice = invoicing.invoice_send(invoice=invoice)
    return invoice.number


@shared_task
def mark_overdue_invoices():
    return invoicing.invoices_mark_overdue()


@shared_task(**RETRY)
def send_credit_note(credit_note_id):
    """Idempotent: a redelivered task does not e-mail the credit note twice."""
    credit_note = CreditNote.objects.select_related("invoice").get(pk=credit_note_id)
    if credit_note.sent_at is None:
        invoicing.credit_note_send(credit_note=credit_note)
        CreditNote.objects.filter(pk=credit_note.pk).update(sent_at=timezone.now())
    return credit_note.number
