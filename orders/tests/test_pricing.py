from datetime import date

import pytest

from orders import pricing
from orders.models import Service


def per_page(price=200, reduced=100):
    return Service(name="Correction", pricing=Service.Pricing.PER_PAGE, price=price, reduced_unit_price=reduced)


@pytest.mark.parametrize(
    ("pages", "cents"),
    [(1, 0), (10, 0), (11, 200), (250, 48000), (300, 58000), (301, 58100), (1000, 128000)],
)
def test_per_page_rule(pages, cents):
    # 1–10 free, 11–300 at 2 €, beyond 300 at 1 €.
    assert pricing.quote_for(service=per_page(), pages=pages, urgent=False).total == cents


def test_the_legacy_example_250_pages_at_2_euros_is_480_euros():
    assert pricing.quote_for(service=per_page(), pages=250, urgent=False).total == 480_00


def test_urgent_adds_half_and_halves_the_delay():
    normal = pricing.quote_for(service=per_page(), pages=250, urgent=False)
    urgent = pricing.quote_for(service=per_page(), pages=250, urgent=True)
    assert urgent.base == normal.base == 48000
    assert urgent.urgent_surcharge == 24000 and urgent.total == 72000
    assert (normal.days_min, normal.days_max) == (12, 15)
    assert (urgent.days_min, urgent.days_max) == (6, 8)


def test_urgent_surcharge_rounds_half_up_to_the_cent():
    assert pricing.urgent_surcharge(333) == 167  # 166.5 -> 167
    assert pricing.urgent_surcharge(1) == 1


def test_fixed_pack_ignores_pages():
    pack = Service(name="KDP", pricing=Service.Pricing.FIXED, price=35000)
    assert pricing.quote_for(service=pack, pages=None, urgent=False).total == 35000
    assert pricing.quote_for(service=pack, pages=400, urgent=True).total == 52500


@pytest.mark.parametrize(
    ("pages", "days"), [(1, (7, 8)), (50, (7, 8)), (51, (10, 12)), (150, (10, 12)), (300, (12, 15)), (301, (15, 20))]
)
def test_delivery_brackets(pages, days):
    assert pricing.delivery_days(pages=pages, urgent=False) == days


def test_due_date_counts_working_days_only():
    friday = date(2026, 11, 27)
    assert pricing.add_working_days(friday, 1) == date(2026, 11, 30)  # Monday
    assert pricing.add_working_days(friday, 5) == date(2026, 12, 4)
    quote = pricing.quote_for(service=per_page(), pages=40, urgent=False)  # 7–8 days
    assert pricing.due_date_for(quote=quote, start=friday) == date(2026, 12, 9)
