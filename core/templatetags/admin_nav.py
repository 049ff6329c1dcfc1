"""The admin's list of models (navigation sidebar, home page), rendered
once per staff member and minute.

Django builds and renders the list of every model (about fifty rows, two
links each, permissions checked per model) on every admin page: a third of
a changelist's rendering time. The rendered list is cached per user and
language for NAV_CACHE_SECONDS; in the sidebar only the marks of the current
application and model change from page to page. A change of permissions
shows in the lists within that delay (every view still checks them itself).
"""

import re

from django import template
from django.core.cache import cache
from django.template.defaultfilters import urlencode
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

register = template.Library()

NAV_CACHE_SECONDS = 60
_MARK = re.compile(r"\[\[(current-app|current-model|aria-current) ([^\]]*)\]\]")
_WHEN_CURRENT = {"current-app": " current-app", "current-model": " current-model",
                 "aria-current": ' aria-current="page"'}


def nav_cache_key(user, kind="sidebar"):
    return f"admin-nav:{kind}:{user.pk}:{translation.get_language()}"


def _cached(kind, context, template_name, extra):
    request = context["request"]
    key = nav_cache_key(request.user, kind)
    html = cache.get(key)
    if html is None:
        html = render_to_string(template_name, {"app_list": context["app_list"], **extra}, request=request)
        cache.set(key, html, NAV_CACHE_SECONDS)
    return html


def mark_current(html, path):
    """Django's rule: an application or model is current when its URL is in the page's path."""
    path = urlencode(path)
    return _MARK.sub(lambda m: _WHEN_CURRENT[m[1]] if m[2] and m[2] in path else "", html)


@register.simple_tag(takes_context=True)
def nav_app_list(context):
    """The sidebar's list (available_apps), the current application and model marked."""
    if "available_apps" not in context:  # a page rendered without the admin's context
        return ""
    with context.push(app_list=context["available_apps"]):
        html = _cached("sidebar", context, "admin/nav_app_list.html", {})
    return mark_safe(mark_current(html, context["request"].path))  # noqa: S308 (our template's output)


@register.simple_tag(takes_context=True)
def index_app_list(context):
    """The home page's list (app_list), with the change links."""
    return mark_safe(_cached("index", context, "admin/app_list.html", {"show_changelinks": True}))  # noqa: S308
