"""The landing page in a real browser: services, calculator, testimonials,
FAQ and the public forms fit a phone and a laptop, pass axe, and the
calculator prices as the visitor types. Screenshots: landing-390, landing-1366."""

import pytest

from cms.tests import factories as cms_factories
from orders.tests.factories import PackFactory, ServiceFactory

from .test_every_page import check_page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1366, "height": 900}], ids=["390", "1366"])
def test_the_landing_page_fits_passes_axe_and_prices_as_one_types(new_page, live_server, screenshot, terms, viewport):
    ServiceFactory(name="Correction Standard", price=200, display_order=1)
    PackFactory(name="Pack KDP Autoédition", price=35000, display_order=2)
    for category in ("Commande", "Paiement", "Correction"):
        cms_factories.FAQFactory(category=category, question=f"Une question sur {category.lower()} ?")
    cms_factories.TestimonialFactory(author_name="Claire M.", author_detail="Romancière, Lyon",
                       quote="Un travail minutieux et respectueux de mon style.")
    cms_factories.TestimonialFactory(author_name="Hugo B.", quote="Délais tenus, échanges faciles avec le correcteur.")
    page = new_page()
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/")
    page.get_by_role("heading", name="Nos services et leurs prix").wait_for()
    page.get_by_text("Délais tenus").wait_for()
    page.get_by_text("Une question sur paiement ?").click()  # the answer opens in place
    page.locator("details[open] .prose").get_by_text("Une réponse").wait_for()
    screenshot(page, f"landing-{viewport['width']}")
    page.evaluate("() => new Promise(requestAnimationFrame)")
    assert check_page(page, viewport, "core:landing", run_axe=True) == []

    calculator = page.locator("#calculer")
    calculator.get_by_label("Nombre de pages").fill("120")
    calculator.locator("#quote strong").get_by_text("220,00").wait_for()  # priced by the server
