"""Prices and deadlines, computed on the server only (a price that arrives in a
request is never trusted). Money is in cents.

The per-page rule is the legacy calculator's: pages 1–10 are free, pages
11–300 cost the service's unit price, pages beyond 300 its reduced price.
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta

FREE_PAGES = 10
FULL_PRICE_LAST_PAGE = 300
WORDS_PER_PAGE = 300
MIN_PAGES = 1
MAX_PAGES = 1000
URGENT_SURCHARGE_PERCENT = 50
EXAMPLE_PAGES = 250  # the public example (the legacy site's: 250 pages at 2 € = 480 €)

# (last page of the bracket, working days min, max) — the legacy FAQ's table.
DELIVERY_BRACKETS = [(50, 7, 8), (150, 10, 12), (300, 12, 15), (None, 15, 20)]


def pricing_terms():
    """The rule's constants, for the texts that state them (templates get
    them as PRICING through orders.context_processors)."""
    return {
        "free_pages": FREE_PAGES, "full_price_last_page": FULL_PRICE_LAST_PAGE, "words_per_page": WORDS_PER_PAGE,
        "min_pages": MIN_PAGES, "max_pages": MAX_PAGES, "urgent_percent": URGENT_SURCHARGE_PERCENT,
    }


@dataclass(frozen=True)
class Quote:
    base: int  # cents
    urgent_surcharge: int  # cents
    days_min: int
    days_max: int

    @property
    def total(self):
        return self.base + self.urgent_surcharge


def per_page_price(*, pages, unit_price, reduced_unit_price):
    full_price_pages = max(0, min(pages, FULL_PRICE_LAST_PAGE) - FREE_PAGES)
    reduced_pages = max(0, pages - FULL_PRICE_LAST_PAGE)
    return full_price_pages * unit_price + reduced_pages * reduced_unit_price


def urgent_surcharge(base):
    # Integer arithmetic, half-up rounding to the cent.
    return (base * URGENT_SURCHARGE_PERCENT + 50) // 100


def delivery_days(*, pages, urgent):
    """Working days (min, max) to deliver; urgent halves them (rounded up)."""
    days_min, days_max = next(
        (low, high) for last_page, low, high in DELIVERY_BRACKETS if last_page is None or (pages or 0) <= last_page
    )
    if urgent:
        days_min, days_max = math.ceil(days_min / 2), math.ceil(days_max / 2)
    return days_min, days_max


def quote_for(*, service, pages, urgent):
    """The price and delivery estimate of `pages` pages of `service`."""
    if service.is_per_page:
        base = per_page_price(pages=pages, unit_price=service.price, reduced_unit_price=service.reduced_unit_price)
    else:
        base = service.price
    days_min, days_max = delivery_days(pages=pages, urgent=urgent)
    return Quote(
        base=base,
        urgent_surcharge=urgent_surcharge(base) if urgent else 0,
        days_min=days_min,
        days_max=days_max,
    )


def add_working_days(start, days):
    """`start` plus `days` working days (Monday to Friday)."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def due_date_for(*, quote, start: date):
    # We promise the end of the bracket.
    return add_working_days(start, quote.days_max)
