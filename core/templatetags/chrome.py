"""`{% load chrome %}`: the header's navigation and the footer, drawn once per
variant and kept in this process (issue 13).

Every page pays for base.html: some twenty ``{% url %}`` and forty
``{% translate %}`` for the same few links. The markup only varies with what
the key holds: the language, the year (footer), and for the navigation who is
logged in (their role, first name and avatar), which page is shown (the
link marked ``aria-current``) and the poll interval; settings are otherwise
fixed for a process (a test overriding one empties the variants). The CSRF token of the logout form is never
kept: a placeholder stands for it, replaced by this request's token. The
variants are few and small (an LRU of ``CHROME_VARIANTS``), so they live in
the process rather than in Redis, and a deployment starts new processes."""

from collections import OrderedDict
from threading import Lock

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from core.fragments import CSRF_PLACEHOLDER

register = template.Library()

CHROME_VARIANTS = 2000
_variants = OrderedDict()
_lock = Lock()


@receiver(setting_changed)
def _forget_variants(**_kwargs):
    """A test that overrides a setting (the poll interval, the site name…) gets fresh markup."""
    with _lock:
        _variants.clear()


def _remembered(key, render):
    with _lock:
        html = _variants.get(key)
        if html is not None:
            _variants.move_to_end(key)
            return html
    html = render()
    with _lock:
        _variants[key] = html
        while len(_variants) > CHROME_VARIANTS:
            _variants.popitem(last=False)
    return html


def _render(context, template_name, key):
    token = str(context.get("csrf_token") or "")
    if not token or token == "NOTPROVIDED":
        return get_template(template_name).template.render(context)

    def render():
        with context.push(csrf_token=CSRF_PLACEHOLDER):
            return str(get_template(template_name).template.render(context))

    html = _remembered((template_name, translation.get_language(), *key), render)
    return mark_safe(html.replace(CSRF_PLACEHOLDER, token))  # noqa: S308 - our template's output


@register.simple_tag(takes_context=True)
def site_nav(context):
    """includes/nav.html, as ``{% include %}`` renders it."""
    request, user = context.get("request"), context.get("user")
    match = getattr(request, "resolver_match", None)
    who = None
    if user is not None and user.is_authenticated:
        who = (user.pk, user.role, user.first_name, user.avatar.name if user.avatar else "")
    return _render(context, "includes/nav.html", (match.view_name if match else None, who, settings.NAV_POLL_SECONDS))


@register.simple_tag(takes_context=True)
def site_footer(context):
    """includes/footer.html, as ``{% include %}`` renders it."""
    return _render(context, "includes/footer.html", (timezone.localdate().year,))


@register.simple_tag
def filter_fields(form):
    """includes/_filter_fields.html: a list's filter fields, for forms whose
    fields do not depend on the request (fixed choices). Django draws each
    widget through the template engine (~0.5 ms a field); a list opened
    without filters, the usual visit, shows the same unbound form every
    time, so that markup is drawn once per form class and language."""
    template = get_template("includes/_filter_fields.html")
    if form.is_bound or form.initial:
        return template.render({"form": form})
    key = ("includes/_filter_fields.html", type(form), form.prefix, translation.get_language())
    return mark_safe(_remembered(key, lambda: str(template.render({"form": form}))))  # noqa: S308 - our template's output
