"""Invoices and credit notes (factures et avoirs): numbering, VAT, snapshots,
PDFs and e-mails. Every write goes through these services (see DESIGN.md).

Legal rules they keep:

- one continuous series per prefix and calendar year (Paris time), no gap and
  no duplicate: the number is taken from a counter row locked inside the
  transaction that saves the document, so a rollback gives the number back;
- an issued document never changes: seller, buyer and lines are snapshots,
  and regenerating a PDF redraws the same number and amounts;
- nothing is deleted (10-year retention): a refund is a credit note, and an
  invoice fully credited becomes CANCELLED.

Prices are TTC (what the client pays); HT and VAT are derived from it.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import audit_record
from core.emails import send_templated_email
from core.outbox import outbox_task_queue
from core.templatetags.formatting import euros
from orders import pricing
from orders.models import Order

from .formats import VAT_EXEMPT_MENTION, format_date
from .models import CreditNote, DocumentCounter, Invoice
from .overview_cache import billing_changed

logger = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
INVOICE_PREFIX = "FACT"
CREDIT_NOTE_PREFIX = "AVOIR"
PDF_CONTENT_TYPE = "application/pdf"

S = Invoice.Status
# An invoice in one of these may still be paid (statuses only move forward).
UNPAID_STATUSES = (S.GENERATED, S.SENT, S.OVERDUE)


# --- Numbering ---------------------------------------------------------------

def paris_year(moment):
    return timezone.localtime(moment, PARIS).year


def next_document_number(*, prefix, issued_at):
    """The next number of the (prefix, year) series: FACT-2026-0001, ...

    Must run inside the transaction that saves the document: the counter row
    stays locked (SELECT ... FOR UPDATE) until it commits, so concurrent
    documents queue, and a rollback gives the number back — no gap, no
    duplicate. Four digits, more once a year passes 9 999 documents.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_document_number() runs inside the transaction that saves the document.")
    year = paris_year(issued_at)
    counter = _locked_counter(prefix=prefix, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{prefix}-{year}-{counter.last_number:04d}"


def _locked_counter(*, prefix, year):
    locked = DocumentCounter.objects.select_for_update()
    try:
        return locked.get(prefix=prefix, year=year)
    except DocumentCounter.DoesNotExist:
        pass
    # The first document of the year creates the row. Not get_or_create():
    # on InnoDB every loser of a concurrent insert keeps a shared lock on the
    # row, and two of them then asking for the exclusive lock deadlock (seen
    # with 40 threads). An upsert — INSERT ... ON DUPLICATE KEY UPDATE on
    # MariaDB/MySQL, ON CONFLICT DO UPDATE elsewhere — takes the exclusive
    # lock at once, so concurrent first documents just queue. Updating
    # `prefix` to itself changes nothing: the number is never touched here.
    conflict_target = ["prefix", "year"] if connection.features.supports_update_conflicts_with_target else None
    DocumentCounter.objects.bulk_create(
        [DocumentCounter(prefix=prefix, year=year)],
        update_conflicts=True,
        unique_fields=conflict_target,
        update_fields=["prefix"],
    )
    return locked.get(prefix=prefix, year=year)


def _allocate_number(*, prefix):
    """(number, issued_at) of a new document, inside the caller's transaction.

    The date is read once the counter is locked, so dates follow numbers
    (chronological series). Waiting for the lock across midnight on
    31 December keeps the date the number's year was chosen with.
    """
    provisional = timezone.now()
    number = next_document_number(prefix=prefix, issued_at=provisional)
    issued_at = timezone.now()
    if paris_year(issued_at) != paris_year(provisional):
        issued_at = provisional
    return number, issued_at


# --- VAT and snapshots -------------------------------------------------------

def vat_split(*, ttc, rate, exempt):
    """(HT, VAT) in cents of a TTC amount: HT = TTC / (1 + rate/100) rounded
    half up to the cent, VAT = TTC − HT, so HT + VAT is always TTC."""
    if exempt or not rate:
        return ttc, 0
    ht = (Decimal(ttc) / (1 + Decimal(rate) / 100)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(ht), ttc - int(ht)


def current_vat():
    """(rate, exempt) from the settings; an exempt seller charges 0 %."""
    if settings.VAT_EXEMPT:
        return Decimal("0.00"), True
    return Decimal(settings.VAT_RATE), False


@dataclass(frozen=True)
class VatBreakdown:
    """A TTC price split as an invoice issued today would split it (cents)."""

    ht: int
    vat: int
    ttc: int
    rate: Decimal
    exempt: bool


def vat_breakdown(*, ttc):
    """HT/TVA/TTC of ``ttc`` with today's rate: the payment step's recap and
    the invoice both come from here."""
    rate, exempt = current_vat()
    ht, vat = vat_split(ttc=ttc, rate=rate, exempt=exempt)
    return VatBreakdown(ht=ht, vat=vat, ttc=ttc, rate=rate, exempt=exempt)


def seller_snapshot(*, vat_exempt):
    seller = {key: str(value) for key, value in settings.SELLER.items()}
    seller["vat_exempt"] = bool(vat_exempt)
    seller["vat_exempt_mention"] = str(VAT_EXEMPT_MENTION) if vat_exempt else ""
    return seller


def buyer_snapshot(*, user):
    """The buyer as the invoice names them (French invoices carry the
    buyer's name and address; company and VAT number when given). Stored
    on the invoice: a later change of the profile never alters it."""
    return {
        "name": user.get_full_name() or user.email,
        "company": user.company,
        "address": user.address,
        "postcode": user.postcode,
        "city": user.city,
        "country": user.country,
        "vat_number": user.vat_number,
        "email": user.email,
        "phone": user.phone,
    }


# --- Lines -------------------------------------------------------------------

def _line(*, label, detail="", quantity=1, unit_price, amount=None):
    return {
        "label": str(label),
        "detail": str(detail),
        "quantity": quantity,
        "unit_price": unit_price,
        "amount": quantity * unit_price if amount is None else amount,
    }


def _pages_detail(*, title, pages):
    if pages <= pricing.FREE_PAGES:
        return _("« %(title)s » — %(pages)s pages, offertes") % {"title": title, "pages": pages}
    return _("« %(title)s » — %(pages)s pages, dont les %(free)s premières offertes") % {
        "title": title, "pages": pages, "free": pricing.FREE_PAGES,
    }


def _priced_lines(order):
    """The order's price, line by line, from orders.pricing (the same rules
    that computed it)."""
    service = order.service
    pages = order.pages or 0
    quote = pricing.quote_for(service=service, pages=pages, urgent=order.urgent)
    if service.is_per_page:
        full_pages = max(0, min(pages, pricing.FULL_PRICE_LAST_PAGE) - pricing.FREE_PAGES)
        reduced_pages = max(0, pages - pricing.FULL_PRICE_LAST_PAGE)
        lines = [_line(label=service.name, detail=_pages_detail(title=order.title, pages=pages),
                       quantity=full_pages, unit_price=service.price)]
        if reduced_pages:
            lines.append(_line(
                label=_("Pages %(first)s et suivantes (tarif réduit)") % {"first": pricing.FULL_PRICE_LAST_PAGE + 1},
                quantity=reduced_pages, unit_price=service.reduced_unit_price,
            ))
    else:
        lines = [_line(label=service.name, detail=f"« {order.title} »", unit_price=service.price)]
    if quote.urgent_surcharge:
        lines.append(_line(
            label=_("Supplément livraison urgente (+%(percent)s %%)") % {"percent": pricing.URGENT_SURCHARGE_PERCENT},
            unit_price=quote.urgent_surcharge,
        ))
    assert sum(line["amount"] for line in lines) == quote.total, "invoice lines disagree with orders.pricing"
    return lines


def invoice_lines_for_order(*, order, total):
    """Lines whose amounts add up to ``total`` (cents, TTC).

    Detailed from the tariff when it gives that total; otherwise (a price
    agreed by the team, an old tariff, no service) one "prix convenu" line.
    """
    if order.service is not None and (not order.service.is_per_page or order.pages):
        lines = _priced_lines(order)
        if sum(line["amount"] for line in lines) == total:
            return lines
    label = order.service.name if order.service is not None else _("Prestation éditoriale")
    return [_line(label=label, detail=_("« %(title)s » — prix convenu") % {"title": order.title}, unit_price=total)]


# --- PDFs --------------------------------------------------------------------

def _pdf_key(*, document):
    return f"invoices/{paris_year(document.issued_at)}/{document.number}.pdf"


def _store_pdf(*, document, content, update_fields):
    """Write the PDF under its fixed key, replacing an earlier rendering."""
    field = document.pdf
    storage = field.storage
    key = _pdf_key(document=document)
    previous = field.name
    storage.delete(key)
    name = storage.save(key, ContentFile(content), max_length=field.field.max_length)
    if previous and previous not in (key, name):
        storage.delete(previous)
    if name != previous:
        field.name = name
        document.save(update_fields=update_fields)


def invoice_render_pdf(*, invoice):
    """(Re)draw and store the invoice's PDF; number and amounts never change."""
    # Imported here: reportlab (with PIL) weighs ~10 MB, and only the PDF task
    # and a missing PDF's download draw one — not every web worker.
    from . import pdf

    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        _store_pdf(document=locked, content=pdf.render_invoice(locked), update_fields=["pdf", "updated_at"])
    invoice.pdf.name = locked.pdf.name
    logger.info("invoice %s: PDF rendered", locked.number)
    return locked


def credit_note_render_pdf(*, credit_note):
    """(Re)draw and store the credit note's PDF."""
    from . import pdf  # lazily, as in invoice_render_pdf

    with transaction.atomic():
        # Not select_related("invoice"): MariaDB would lock the invoice row too.
        locked = CreditNote.objects.select_for_update().get(pk=credit_note.pk)
        _store_pdf(document=locked, content=pdf.render_credit_note(locked), update_fields=["pdf"])
    credit_note.pdf.name = locked.pdf.name
    logger.info("credit note %s: PDF rendered", locked.number)
    return locked


def document_has_pdf(document):
    name = document.pdf.name
    return bool(name) and document.pdf.storage.exists(name)


def _pdf_bytes(*, document, render):
    if not document_has_pdf(document):
        document = render(document)
    with document.pdf.storage.open(document.pdf.name, "rb") as handle:
        return handle.read()


def _render_on_commit(render, **kwargs):
    # robust: the document is committed; a PDF that fails now is drawn on
    # first download or sending, so a failure is logged, not raised.
    transaction.on_commit(lambda: render(**kwargs), robust=True)


# --- Invoices ----------------------------------------------------------------

def invoice_issue_for_order(*, order, payment=None):
    """The order's invoice, issued now if it has none (idempotent).

    The amount is what was paid (``order.amount``), else the order's price.
    Concurrent calls for one order give one invoice: the order row is locked,
    and the one-to-one constraint catches anything that slips through.
    """
    existing = Invoice.objects.filter(order_id=order.pk).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=order.pk)
            existing = Invoice.objects.filter(order_id=order.pk).first()
            if existing is not None:
                return existing
            ttc = locked.amount if locked.amount is not None else locked.price
            if ttc is None:
                raise ValidationError(_("Cette commande n'a pas encore de prix : elle ne peut pas être facturée."),
                                      code="no_price")
            split = vat_breakdown(ttc=ttc)
            number, issued_at = _allocate_number(prefix=INVOICE_PREFIX)
            invoice = Invoice.objects.create(
                order=locked,
                payment=payment,
                number=number,
                status=S.GENERATED,
                amount_ht=split.ht,
                vat_amount=split.vat,
                amount_ttc=ttc,
                vat_rate=split.rate,
                vat_exempt=split.exempt,
                seller=seller_snapshot(vat_exempt=split.exempt),
                buyer=buyer_snapshot(user=locked.client),
                lines=invoice_lines_for_order(order=locked, total=ttc),
                payment_method=payment.method_label if payment is not None else "",
                issued_at=issued_at,
                due_at=issued_at + timedelta(days=settings.INVOICE_DUE_DAYS),
            )
            _render_on_commit(invoice_render_pdf, invoice=invoice)
    except IntegrityError:
        existing = Invoice.objects.filter(order_id=order.pk).first()
        if existing is None:
            raise
        return existing
    logger.info("invoice %s issued for order %s (%s cents)", invoice.number, order.pk, invoice.amount_ttc)
    return invoice


def invoice_mark_paid(*, invoice, paid_at):
    """GENERATED / SENT / OVERDUE -> PAID. Already paid or cancelled: no change."""
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.status in UNPAID_STATUSES:
            locked.status = S.PAID
            locked.paid_at = paid_at
            locked.save(update_fields=["status", "paid_at", "updated_at"])
            # The PDF says "Payée le ... par ...": redraw it.
            _render_on_commit(invoice_render_pdf, invoice=locked)
            logger.info("invoice %s paid", locked.number)
    return locked


def invoice_send(*, invoice):
    """E-mail the invoice (PDF attached) to the buyer, then record it.

    GENERATED becomes SENT; a later status (PAID, OVERDUE, CANCELLED) stays,
    only ``sent_at`` moves. Runs outside any transaction (a task): the
    e-mail is the side effect. Sent whatever the buyer's e-mail preferences:
    an invoice is an accounting document (accounts.preferences.ALWAYS_SENT).
    """
    content = _pdf_bytes(document=invoice, render=lambda doc: invoice_render_pdf(invoice=doc))
    order = Order.objects.only("pk", "title").get(pk=invoice.order_id)
    send_templated_email(
        template="invoice",
        to=invoice.buyer["email"],
        context={
            "buyer_name": invoice.buyer.get("name", ""),
            "number": invoice.number,
            "amount": euros(invoice.amount_ttc),
            "issued_on": format_date(invoice.issued_at),
            "due_on": format_date(invoice.due_at),
            "paid_on": format_date(invoice.paid_at) if invoice.paid_at else "",
            "payment_method": invoice.payment_method,
            "order_title": order.title,
            "order_path": reverse("orders:detail", args=[order.pk]),
        },
        attachments=[(f"{invoice.number}.pdf", content, PDF_CONTENT_TYPE)],
    )
    now = timezone.now()
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        locked.sent_at = now
        if locked.status == S.GENERATED:
            locked.status = S.SENT
        locked.save(update_fields=["status", "sent_at", "updated_at"])
        # Each sending, the first one and any resend (which staff trigger: the
        # admin's action queues this task; the entry then has no person).
        audit_record(action="invoice.send", target=locked, details={"number": locked.number})
    logger.info("invoice %s sent", locked.number)
    return locked


def invoice_resend(*, invoice, by, request=None):
    """The team e-mails an invoice again (the buyer lost it, the first
    e-mail bounced). Queued through the outbox; a double click before it is
    sent queues one e-mail (the key is the invoice's last sending). A
    cancelled invoice is not sent again. True if queued."""
    from .tasks import resend_invoice  # tasks import this module

    if invoice.status == S.CANCELLED:
        raise ValidationError(_("Une facture annulée n'est pas renvoyée."), code="cancelled")
    last_sent = invoice.sent_at.isoformat() if invoice.sent_at else "jamais"
    with transaction.atomic():
        record = outbox_task_queue(task=resend_invoice, kwargs={"invoice_id": str(invoice.pk)},
                                   once_key=f"{invoice.pk}:{last_sent}")
        if record is not None:  # who asked; the sending itself is audited as invoice.send
            audit_record(action="invoice.resend", actor=by, target=invoice, request=request,
                         details={"number": invoice.number})
    logger.info("invoice %s resend %s by %s", invoice.number, "queued" if record else "already queued", by.pk)
    return record is not None


def invoices_mark_overdue(*, now=None):
    """Unpaid invoices past their due date become OVERDUE. Idempotent: one
    conditional UPDATE; returns how many changed."""
    now = now or timezone.now()
    due = Invoice.objects.filter(status__in=(S.GENERATED, S.SENT), due_at__lt=now)
    clients = list(due.values_list("order__client_id", flat=True))
    changed = due.update(status=S.OVERDUE, updated_at=now)
    billing_changed(user_ids=clients)  # their cached "Mes factures" shows the new status
    return changed


# --- Credit notes --------------------------------------------------------------

def credit_note_issue(*, invoice, amount_ttc, reason="", refund_id=None):
    """An avoir of ``amount_ttc`` cents on ``invoice`` (a refund, a gesture).

    Idempotent by ``refund_id``: the provider's refund is recorded once,
    whoever reports it. The credit notes of an invoice never exceed it; once
    they cover it, the invoice is CANCELLED. The PDF and the e-mail follow
    the commit.
    """
    if refund_id:
        existing = _credit_note_for_refund(refund_id=refund_id, invoice=invoice)
        if existing is not None:
            return existing
    if isinstance(amount_ttc, bool) or not isinstance(amount_ttc, int) or amount_ttc <= 0:
        raise ValidationError(_("Le montant de l'avoir doit être un nombre positif de centimes."), code="amount")
    try:
        with transaction.atomic():
            locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
            if refund_id:
                existing = _credit_note_for_refund(refund_id=refund_id, invoice=locked)
                if existing is not None:
                    return existing
            credited = locked.credit_notes.aggregate(
                ttc=Sum("amount_ttc", default=0), ht=Sum("amount_ht", default=0), vat=Sum("vat_amount", default=0)
            )
            remaining = {
                "ttc": locked.amount_ttc - credited["ttc"],
                "ht": locked.amount_ht - credited["ht"],
                "vat": locked.vat_amount - credited["vat"],
            }
            if amount_ttc > remaining["ttc"]:
                raise ValidationError(
                    _("L'avoir (%(amount)s) dépasse ce qui reste à créditer sur la facture %(number)s (%(remaining)s).")
                    % {"amount": euros(amount_ttc), "number": locked.number, "remaining": euros(remaining["ttc"])},
                    code="over_credit",
                )
            ht, vat = _credit_split(amount_ttc=amount_ttc, invoice=locked, remaining=remaining)
            number, issued_at = _allocate_number(prefix=CREDIT_NOTE_PREFIX)
            credit_note = CreditNote.objects.create(
                invoice=locked,
                number=number,
                amount_ht=ht,
                vat_amount=vat,
                amount_ttc=amount_ttc,
                vat_rate=locked.vat_rate,
                vat_exempt=locked.vat_exempt,
                # Today's seller details (a new document), the invoice's buyer
                # (the same party, whatever became of the account since).
                seller=seller_snapshot(vat_exempt=locked.vat_exempt),
                buyer=locked.buyer,
                reason=(reason or "").strip(),
                refund_id=refund_id or None,
                issued_at=issued_at,
            )
            if amount_ttc == remaining["ttc"]:
                locked.status = S.CANCELLED
                locked.save(update_fields=["status", "updated_at"])
            _queue_credit_note_email(credit_note)
    except IntegrityError:
        if refund_id:
            existing = _credit_note_for_refund(refund_id=refund_id, invoice=invoice)
            if existing is not None:
                return existing
        raise
    logger.info("credit note %s issued on %s (%s cents)", credit_note.number, locked.number, amount_ttc)
    return credit_note


def _credit_note_for_refund(*, refund_id, invoice):
    existing = CreditNote.objects.filter(refund_id=refund_id).first()
    if existing is not None and existing.invoice_id != invoice.pk:
        raise ValidationError(_("Ce remboursement est déjà enregistré sur une autre facture."), code="refund_elsewhere")
    return existing


def _credit_split(*, amount_ttc, invoice, remaining):
    """The HT/VAT of a credit note. The one that completes the invoice takes
    exactly what is left, so the credit notes add up to the invoice; the
    others never take more HT or VAT than is left."""
    if amount_ttc == remaining["ttc"]:
        return remaining["ht"], remaining["vat"]
    ht, vat = vat_split(ttc=amount_ttc, rate=invoice.vat_rate, exempt=invoice.vat_exempt)
    if ht > remaining["ht"]:
        ht, vat = remaining["ht"], amount_ttc - remaining["ht"]
    if vat > remaining["vat"]:
        ht, vat = amount_ttc - remaining["vat"], remaining["vat"]
    return ht, vat


def _queue_credit_note_email(credit_note):
    """In the credit note's transaction (the outbox): sent after commit, or by
    the relay if the broker is down."""
    from .tasks import send_credit_note  # tasks import this module

    outbox_task_queue(task=send_credit_note, kwargs={"credit_note_id": str(credit_note.pk)})


def credit_note_send(*, credit_note):
    """E-mail the credit note (PDF attached) to the buyer, whatever their e-mail preferences (see invoice_send)."""
    content = _pdf_bytes(document=credit_note, render=lambda doc: credit_note_render_pdf(credit_note=doc))
    invoice = credit_note.invoice
    send_templated_email(
        template="credit_note",
        to=credit_note.buyer["email"],
        context={
            "buyer_name": credit_note.buyer.get("name", ""),
            "number": credit_note.number,
            "invoice_number": invoice.number,
            "amount": euros(credit_note.amount_ttc),
            "issued_on": format_date(credit_note.issued_at),
            "reason": credit_note.reason,
            "payment_method": invoice.payment_method,
        },
        attachments=[(f"{credit_note.number}.pdf", content, PDF_CONTENT_TYPE)],
    )
    logger.info("credit note %s sent", credit_note.number)
    return credit_note
