from django import template

from orders.models import Order

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
