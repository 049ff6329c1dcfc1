"""`{% load bell_tags %}`: the header's polling interval."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def nav_poll_seconds():
    """Seconds between two refreshes of the bell and the Messages badge."""
    return settings.NAV_POLL_SECONDS
