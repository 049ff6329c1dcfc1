from django import template
from django.utils.html import format_html

from core.fragments import person, render_rows
from orders import pricing, selectors
from orders.forms import QuoteForm
from orders.models import Order, Service

register = template.Library()

# A status badge (orders and tickets), as the include it replaces rendered it (its final newline too).
BADGE = '<span class="badge badge--{}">{}</span>\n'

S = Order.Status
TONE = {
    S.EN_ATTENTE: "warning", S.EN_ATTENTE_VERIFICATION: "warning", S.ESTIMATION_ENVOYEE: "warning",
    S.PAYEE: "info", S.EN_COURS: "info", S.LIVREE: "success", S.TERMINE: "success",
    S.ANNULEE: "neutral", S.SUSPENDUE: "danger",
}


@register.simple_tag
def status_badge(order):
    """The order status badge, without a template per row (a board draws dozens)."""
    return format_html(BADGE, TONE.get(order.status, "neutral"), order.status_label)


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


def _order_row(order):
    """What a row of the corrector queue or the staff board shows of an order
    (the date of today, for the overdue mark, is in every fragment key)."""
    return (order.pk, order.title, order.status, order.payment_status, order.corrector_id, order.due_date,
            order.priority, order.urgent, order.declared_pages, order.verified_pages)


@register.simple_tag(takes_context=True)
def queue_rows(context, orders):
    """The corrector queue's rows (orders/_queue_row.html), from the per-row cache."""
    return render_rows(
        "orders/_queue_row.html", orders, name="order", csrf_token=context.get("csrf_token"),
        fingerprint=lambda order: (*_order_row(order), order.service.name if order.service_id else None,
                                   person(order.client)))


BOARD_ROWS = {
    # kind: (partial, what a row shows besides the order's own fields)
    "overdue": ("orders/_board_overdue_row.html", lambda order, context: (person(order.client),
                                                                         person(order.corrector))),
    "assign": ("orders/_board_assign_item.html", lambda order, context: ()),
    "verify": ("orders/_board_verify_item.html", lambda order, context: (
        person(order.client), context["PRICING"]["min_pages"], context["PRICING"]["max_pages"])),
}


@register.simple_tag(takes_context=True)
def board_rows(context, orders, kind):
    """One list of the staff board (overdue rows, orders to assign, pages to
    verify), from the per-row cache."""
    template_name, shows = BOARD_ROWS[kind]
    extra = {"PRICING": context.get("PRICING")} if kind == "verify" else {}
    return render_rows(
        template_name, orders, name="order", context=extra, csrf_token=context.get("csrf_token"),
        fingerprint=lambda order: (*_order_row(order), *shows(order, extra)))


@register.simple_tag(takes_context=True)
def client_order_rows(context, orders):
    """"Mes projets": the client's rows (orders/_client_order_row.html), from the per-row cache."""
    return render_rows(
        "orders/_client_order_row.html", orders, name="order", csrf_token=context.get("csrf_token"),
        fingerprint=lambda order: (*_order_row(order), order.service.name if order.service_id else None,
                                   order.created_at.isoformat(), order.estimated_price, order.final_price))
