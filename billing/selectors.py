"""Reads the billing views share."""

from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.db.models import Sum
from django.db.models.functions import ExtractYear
from django.http import QueryDict
from django.utils import timezone

from core import user_cache
from core.pagination import keyset_page
from orders import pricing
from orders.models import Order

from .formats import format_rate
from .invoicing import VatBreakdown, invoice_lines_for_order, vat_breakdown
from .models import CreditNote, Invoice, PaymentMethod
from .overview_cache import BILLING, BILLING_SECONDS


@dataclass(frozen=True)
class PaymentRecap:
    """What the client is about to pay for, as the invoice will state it."""

    lines: list
    split: VatBreakdown
    days_min: int | None
    days_max: int | None
    due_date: date | None

    @property
    def vat_rate_text(self):
        return format_rate(self.split.rate)


def payment_recap(*, order, today=None):
    """The order's invoice lines and HT/TVA/TTC (billing.invoicing, the same
    functions that issue the invoice), and its delivery estimate: the due
    date counts from the day of payment (orders.pricing), so paying today
    sets it to ``due_date``."""
    today = today or timezone.localdate()
    price = order.price
    days_min = days_max = None
    due_date = order.due_date
    if order.service is not None and (not order.service.is_per_page or order.pages):
        quote = pricing.quote_for(service=order.service, pages=order.pages, urgent=order.urgent)
        days_min, days_max = quote.days_min, quote.days_max
        due_date = pricing.due_date_for(quote=quote, start=today)
    return PaymentRecap(
        lines=invoice_lines_for_order(order=order, total=price),
        split=vat_breakdown(ttc=price),
        days_min=days_min,
        days_max=days_max,
        due_date=due_date,
    )


def saved_cards(*, user):
    """The user's active cards, the default first."""
    return list(PaymentMethod.objects.filter(user=user, is_active=True).order_by("-is_default", "-created_at"))


# "Mes factures" (billing_home). The lists read only the columns they show: an
# invoice row also holds its seller, buyer and lines snapshots (JSON, for the
# PDF), which cost more to fetch and decode than the rest of the page.
INVOICE_ORDER = ("-issued_at", "-pk")


def client_invoices(*, user):
    """The user's invoices (for a keyset page in INVOICE_ORDER)."""
    return (
        Invoice.objects.filter(order__client=user).select_related("order")
        .only("id", "number", "status", "amount_ttc", "issued_at", "order__id", "order__title")
        .order_by(*INVOICE_ORDER)
    )


def client_credit_notes(*, user):
    """The user's credit notes, newest first: one per refund, so a few."""
    return list(
        CreditNote.objects.filter(invoice__order__client=user).select_related("invoice")
        .only("id", "number", "amount_ttc", "issued_at", "invoice__id", "invoice__number")
        .order_by("-issued_at", "-pk")
    )


def yearly_spending(*, user, credit_notes, invoices=None):
    """[{"year", "total"}], newest year first: what the user's invoices came
    to each year (Paris time), minus the credit notes of that year. Every
    invoice counts, cancelled ones too: their credit notes subtract them.

    `credit_notes` are all the user's; so are `invoices` when the caller holds
    them all (one page of the list), else the database sums them."""
    if invoices is None:
        invoiced = dict(
            Invoice.objects.filter(order__client=user).annotate(year=ExtractYear("issued_at"))
            .values_list("year").annotate(total=Sum("amount_ttc")).order_by()
        )
    else:
        invoiced = _totals_by_year(invoices)
    refunded = _totals_by_year(credit_notes)
    return [{"year": year, "total": invoiced[year] - refunded.get(year, 0)} for year in sorted(invoiced, reverse=True)]


def _totals_by_year(documents):
    totals = Counter()
    for document in documents:
        totals[timezone.localtime(document.issued_at).year] += document.amount_ttc
    return totals


def orders_to_pay(*, user):
    """The user's orders awaiting payment, with what the "À régler" list shows."""
    return list(
        Order.objects.filter(client=user, status=Order.Status.EN_ATTENTE)
        .only("id", "title", "final_price", "estimated_price").order_by("-created_at")
    )


INVOICES_PER_PAGE = 20


def billing_overview(*, user, query):
    """What billing_home shows: invoices (a keyset page), credit notes,
    unpaid orders, saved cards and yearly spending."""
    invoices = keyset_page(client_invoices(user=user), ordering=INVOICE_ORDER, query=query,
                           per_page=INVOICES_PER_PAGE, anchor="#factures")
    # No invoice at all (most clients, most of the time): no credit note nor spending either.
    has_invoices = bool(invoices) or invoices.has_previous()
    credit_notes = client_credit_notes(user=user) if has_invoices else []
    all_invoices = None if invoices.has_other_pages() else invoices.object_list
    return {
        "invoices": invoices,
        "credit_notes": credit_notes,
        "unpaid": orders_to_pay(user=user),
        "cards": saved_cards(user=user) if user.is_client else [],
        "yearly": yearly_spending(user=user, credit_notes=credit_notes, invoices=all_invoices) if has_invoices else [],
    }


def billing_overview_first_page(*, user):
    """billing_overview without a cursor, from the cache (billing.overview_cache)."""
    return user_cache.cached(BILLING, user.pk, lambda: billing_overview(user=user, query=QueryDict()),
                             timeout=BILLING_SECONDS)
