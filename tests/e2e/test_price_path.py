"""Issue 9, the price path in a real browser: the calculator answers an
out-of-bounds page count with its error and no price (htmx no longer stops
the request on the input's min/max), and "Commander" opens the order form
already priced."""

import pytest

from orders.tests.factories import ServiceFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_calculator_bounds_then_order_form_priced_at_once(live_server, page, screenshot):
    service = ServiceFactory(name="Correction Standard", price=200, display_order=0)
    page.goto(f"{live_server.url}/pricing/")
    quote = page.locator("#quote")
    quote.locator("strong").get_by_text("480,00").wait_for()  # the example: 250 pages

    pages = page.get_by_label("Nombre de pages")
    for typed in ("0", "1001"):
        pages.fill(typed)
        quote.get_by_text("Indiquez entre 1 et 1\u202f000 pages.").wait_for()
        assert "€" not in quote.inner_text(), f"a price stayed on screen after typing {typed}"
    screenshot(page, "price-path-01-out-of-bounds")

    pages.fill("8")
    quote.get_by_text("8 pages, offertes").wait_for()
    pages.fill("120")
    quote.locator("strong").get_by_text("220,00").wait_for()
    page.get_by_label("Livraison urgente").check()
    quote.locator("strong").get_by_text("330,00").wait_for()

    page.get_by_role("button", name="Commander").click()
    page.wait_for_url(f"**/orders/new/?service={service.pk}&declared_pages=120&urgent=on")
    order_quote = page.locator("#quote")
    order_quote.locator("strong").get_by_text("330,00").wait_for()  # at once, before any typing
    assert "120 pages dont 10 offertes" in order_quote.inner_text()
    assert page.get_by_label("Nombre de pages").input_value() == "120"
    screenshot(page, "price-path-02-order-form-priced")
