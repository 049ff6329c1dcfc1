from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from core.fragments import person, render_rows
from orders.templatetags.order_tags import BADGE
from support.models import Ticket, TicketEvent

register = template.Library()

S = Ticket.Status
STATUS_BADGES = {
    S.OUVERT: "info", S.EN_COURS: "info", S.EN_ATTENTE: "warning", S.RESOLU: "success", S.FERME: "neutral",
    S.ANNULE: "neutral",
}
SLA_BADGES = {"ok": "success", "warning": "warning", "breached": "danger"}


@register.simple_tag
def ticket_status(ticket):
    """The ticket status badge, without a template per row."""
    return format_html(BADGE, STATUS_BADGES.get(ticket.status, "neutral"), ticket.get_status_display())


@register.simple_tag
def sla_badge(state, due_at):
    """ok / bientôt / dépassé, with the time left (or overdue); markup built
    here rather than by a template per row of the queue."""
    if state is None:
        return mark_safe('<span class="small muted">—</span>\n')  # noqa: S308 - a constant
    labels = {"ok": gettext("Dans les temps"), "warning": gettext("Bientôt"), "breached": gettext("Dépassé")}
    title = gettext("Échéance : %(date)s") % {"date": date_format(timezone.localtime(due_at), "d/m/Y H:i")}
    return format_html('<span class="badge badge--{}" title="{}">{}</span> <span class="small muted">{}</span>\n',
                       SLA_BADGES[state], title, labels[state], time_left(due_at))


@register.simple_tag(takes_context=True)
def ticket_rows(context, tickets):
    """The queue's rows (support/_queue_row.html), from the per-row cache
    (core.fragments). The SLA badge's state and time left are in the key:
    they move with the clock, a row with a running one is drawn again when
    its minute changes."""
    return render_rows(
        "support/_queue_row.html", tickets, name="ticket", csrf_token=context.get("csrf_token"),
        fingerprint=lambda ticket: (
            ticket.pk, ticket.number, ticket.title, ticket.status, ticket.priority, ticket.visitor_name,
            person(ticket.requester) if ticket.requester_id else None,
            person(ticket.assigned_to) if ticket.assigned_to_id else None,
            ticket.sla, ticket.sla_due_at.isoformat() if ticket.sla_due_at else None,
            time_left(ticket.sla_due_at) if ticket.sla else None,
        ))


def time_left(due_at, now=None):
    """« reste 3 h 20 min » / « dépassé de 2 j 4 h », short enough for a badge."""
    delta = due_at - (now or timezone.now())
    span = duration_short(abs(delta))
    return (gettext("reste %(span)s") if delta.total_seconds() >= 0 else gettext("dépassé de %(span)s")) % {
        "span": span}


@register.filter
def duration_short(value):
    """A timedelta as « 3 h 20 min » / « 2 j 4 h » (the KPIs)."""
    if value is None:
        return ""
    minutes = int(value.total_seconds()) // 60
    days, hours, mins = minutes // (24 * 60), minutes // 60 % 24, minutes % 60
    if days:
        return gettext("%(d)s j %(h)s h") % {"d": days, "h": hours}
    if hours:
        return gettext("%(h)s h %(m)s min") % {"h": hours, "m": mins}
    return gettext("%(m)s min") % {"m": mins}


# History values are stored codes: shown with their labels.
EVENT_CHOICES = {
    TicketEvent.Kind.STATUS: Ticket.Status, TicketEvent.Kind.PRIORITY: Ticket.Priority,
    TicketEvent.Kind.CATEGORY: Ticket.Category, TicketEvent.Kind.CREATED: Ticket.Status,
}


@register.simple_tag
def event_value(event, value):
    choices = EVENT_CHOICES.get(event.kind)
    if choices is not None and value in choices.values:
        return choices(value).label
    return value
