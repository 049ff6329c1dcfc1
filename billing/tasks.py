"""Thin Celery tasks over billing.invoicing. Each one is idempotent: a task
that runs twice (a worker killed after the work, a redelivery, the outbox
relay) changes nothing the second time, except re-sending an e-mail whose
sending was not recorded yet."""

import logging
import smtplib
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.db.models import Q
from django.utils import timezone

from core.outbox import exclusive, outbox_once
from orders.models import Order

from . import events, invoicing
from .models import CreditNote, Invoice, Payment

logger = logging.getLogger(__name__)

# Worth another try later: the mail server or the database (a deadlock
# victim, a lost connection) said no for now.
TRANSIENT_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError, OperationalError)
RETRY = {"autoretry_for": TRANSIENT_ERRORS, "retry_backoff": True, "retry_backoff_max": 600, "max_retries": 6}


@shared_task(**RETRY)
def issue_invoice_for_paid_order(order_id, payment_id=None):
    """Issue the paid order's invoice, mark it paid and e-mail it — each step
    only if not done yet. Queued through the outbox by the payment webhook."""
    order = Order.objects.get(pk=order_id)
    payment = Payment.objects.get(pk=payment_id) if payment_id else None
    return _invoice_settle(order=order, payment=payment).number


def _invoice_settle(*, order, payment):
    invoice = invoicing.invoice_issue_for_order(order=order, payment=payment)
    paid_at = (payment.paid_at if payment is not None else None) or order.paid_at
    if invoice.status != Invoice.Status.PAID and paid_at is not None:
        invoice = invoicing.invoice_mark_paid(invoice=invoice, paid_at=paid_at)
    elif paid_at is None:
        logger.warning("order %s has no payment date: invoice %s left unpaid", order.pk, invoice.number)
    if invoice.sent_at is not None:
        return invoice
    # One sender at a time: a duplicate run (Redis redelivery, the outbox
    # relay, the sweeper) waits here, then finds the invoice sent.
    with exclusive(f"invoice-send:{invoice.pk}"):
        invoice = Invoice.objects.get(pk=invoice.pk)
        if invoice.sent_at is None:
            invoice = invoicing.invoice_send(invoice=invoice)
    return invoice


# Payments whose order must have an invoice (a flagged one paid nothing the
# order asked for; a 0 € order has no payment and no invoice).
BILLED_PAYMENTS = (Payment.Status.SUCCEEDED, Payment.Status.PARTIALLY_REFUNDED, Payment.Status.REFUNDED)
UNSENT_SWEEP_DAYS = 7


@shared_task
def issue_missing_invoices():
    """The sweeper (beat, every 15 min; ``manage.py issue_missing_invoices``)."""
    return invoices_issue_missing()


def invoices_issue_missing(*, older_than=None, limit=200):
    """Issue and send the invoice of every order paid more than ``older_than``
    seconds ago (INVOICE_SWEEP_AFTER_SECONDS) that has none — or whose invoice
    was not e-mailed, within UNSENT_SWEEP_DAYS of the payment. Catches what the
    outbox could not (a task given up). Returns (settled, failed) counts;
    one order failing does not stop the others."""
    now = timezone.now()
    older_than = settings.INVOICE_SWEEP_AFTER_SECONDS if older_than is None else older_than
    rows = (
        Payment.objects.filter(status__in=BILLED_PAYMENTS, needs_review=False, paid_at__lte=now - timedelta(seconds=older_than),
                               order__paid_at__isnull=False)
        .filter(Q(order__invoice__isnull=True)
                | Q(order__invoice__sent_at__isnull=True, paid_at__gte=now - timedelta(days=UNSENT_SWEEP_DAYS)))
        .order_by("paid_at").values_list("order_id", "pk")[:limit]
    )
    settled = failed = 0
    seen = set()
    for order_id, payment_id in rows:
        if order_id in seen:
            continue
        seen.add(order_id)
        try:
            number = _invoice_settle(order=Order.objects.get(pk=order_id),
                                     payment=Payment.objects.get(pk=payment_id)).number
        except Exception:
            failed += 1
            logger.exception("sweeper: the invoice of order %s could not be settled", order_id)
        else:
            settled += 1
            logger.warning("sweeper: invoice %s of order %s settled (the payment's follow-up had not)", number, order_id)
    return settled, failed


@shared_task
def mark_overdue_invoices():
    return invoicing.invoices_mark_overdue()


@shared_task(**RETRY)
@outbox_once
def resend_invoice(invoice_id):
    """The team's "renvoyer la facture" (invoicing.invoice_resend): one
    e-mail per queued row, a redelivered task sends nothing more."""
    with exclusive(f"invoice-send:{invoice_id}"):  # never beside the first sending
        return invoicing.invoice_send(invoice=Invoice.objects.get(pk=invoice_id)).number


@shared_task(**RETRY)
def send_credit_note(credit_note_id):
    """Idempotent: a redelivered task does not e-mail the credit note twice."""
    with exclusive(f"credit-note-send:{credit_note_id}"):  # one sender at a time, as for invoices
        credit_note = CreditNote.objects.select_related("invoice").get(pk=credit_note_id)
        if credit_note.sent_at is None:
            invoicing.credit_note_send(credit_note=credit_note)
            CreditNote.objects.filter(pk=credit_note.pk).update(sent_at=timezone.now())
    return credit_note.number


# --- Announcements and the provider's side, queued through the outbox -------------

@shared_task
@outbox_once
def announce_payment_failed(payment_id):
    events.announce_payment_failed(payment_id=payment_id)


@shared_task
@outbox_once
def announce_refund(payment_id, amount, credited):
    events.announce_refund(payment_id=payment_id, amount=amount, credited=credited)


@shared_task
def push_default_card_to_provider(card_id):
    """Idempotent: it sets at Stripe the card that is the default now (or
    nothing, if there is none any more)."""
    from .cards import _push_default_to_provider

    _push_default_to_provider(card_id)


@shared_task
def detach_duplicate_card(payment_method_id):
    """Idempotent: detaching a payment method already detached only logs."""
    from .cards import _detach_duplicate

    _detach_duplicate(payment_method_id)
