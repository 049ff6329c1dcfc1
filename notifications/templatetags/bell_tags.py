"""`{% load bell_tags %}`: the header's polling interval, the notifications page's cards."""

from django import template
from django.conf import settings

from core.fragments import render_rows

register = template.Library()


@register.simple_tag
def nav_poll_seconds():
    """Seconds between two refreshes of the bell and the Messages badge."""
    return settings.NAV_POLL_SECONDS


@register.simple_tag(takes_context=True)
def notification_items(context, notifications):
    """The notifications page's cards (notifications/_notification.html), from
    the per-row cache: each keyed by everything its card shows."""
    return render_rows(
        "notifications/_notification.html", notifications, name="notification",
        csrf_token=context.get("csrf_token"),
        fingerprint=lambda n: (n.pk, n.title, n.message, n.created_at.isoformat(), n.type, n.is_read, n.action_url))
