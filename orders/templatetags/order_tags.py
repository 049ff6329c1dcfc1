from django import template

from orders import pricing, selectors
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
