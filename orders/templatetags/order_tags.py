from django import template

from orders import pricing, selectors
from orders.forms import QuoteForm
from orders.models import Order, Service

register = template.Library()

S = Order.Status
TONE = {
    S.EN_ATTENTE: "warning", S.EN_ATTENTE_VERIFICATION: "warning", S.ESTIMATION_ENVOYEE: "warning",
    S.PAYEE: "info", S.EN_COURS: "info", S.LIVREE: "success", S.TERMINE: "success",
    S.ANNULEE: "neutral", S.SUSPENDUE: "danger",
}


@register.inclusion_tag("orders/_status_badge.html")
def status_badge(order):
    return {"label": order.status_label, "tone": TONE.get(order.status, "neutral")}


@register.inclusion_tag("orders/_price_summary.html")
def price_summary():
    """The public rate and its example, from the standard service's prices
    (an admin price change shows here as on /pricing/)."""
    prices = selectors.standard_prices()
    example = None
    if prices is not None:
        service = Service(pricing=Service.Pricing.PER_PAGE, **prices)  # not saved: the cached prices
        example = pricing.quote_for(service=service, pages=pricing.EXAMPLE_PAGES, urgent=False)
    return {"prices": prices, "example": example, "example_pages": pricing.EXAMPLE_PAGES,
            "PRICING": pricing.pricing_terms()}


@register.inclusion_tag("orders/_service_cards.html")
def service_cards(heading_level=2):
    """The active services and their prices, read now: a price changed in
    the admin shows at the next page view (one query)."""
    return {"services": list(selectors.active_services()), "heading_level": heading_level}


@register.inclusion_tag("orders/_calculator.html")
def price_calculator(auto_id="calculator_%s"):
    """The pricing page's calculator, priced for the public example. Its
    inputs get their own ids: other forms of the page (the free sample's)
    have a "service" field too."""
    form = QuoteForm(QuoteForm.example_data(list(selectors.active_services())), auto_id=auto_id)
    return {"form": form, **form.quote_context(), "PRICING": pricing.pricing_terms()}
