"""Reads the billing views share."""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from orders import pricing

from .invoicing import VatBreakdown, invoice_lines_for_order, vat_breakdown
from .models import PaymentMethod
from .pdf import format_rate


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
