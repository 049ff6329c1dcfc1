"""The public forms, for other pages (the landing page):
``{% load support_public %}{% contact_form %}{% free_sample_form %}``.
Each renders the same partial as its own page and posts to it.

A visitor's blank form differs from another's only by its CSRF token and
its one-time submission key (two visitors sharing a key would make one
ticket). So for anonymous visitors the markup comes from the cache
(core.public_cache) with markers in their place, filled in per request.
A logged-in user's form is prefilled with their name and e-mail: rendered
for them, never cached.
"""

from django import template
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from core.public_cache import PUBLIC_CACHE_SECONDS, public_cache_key

from ..public_forms import ContactForm, FreeSampleForm, submission_key_new

register = template.Library()

CSRF_MARKER = "public-form-csrf-token-marker"
SUBMISSION_MARKER = "public-form-submission-key-marker"


@register.simple_tag(takes_context=True)
def contact_form(context):
    return _public_form(context, ContactForm, "support/public/_contact_form.html")


@register.simple_tag(takes_context=True)
def free_sample_form(context):
    return _public_form(context, FreeSampleForm, "support/public/_free_sample_form.html")


def _public_form(context, form_class, template_name):
    request = context.get("request")
    user = getattr(request, "user", None)
    csrf_token = str(context.get("csrf_token") or "")
    if user is not None and user.is_authenticated:
        return render_to_string(template_name, {"form": form_class(user=user), "csrf_token": csrf_token}, request)
    key = public_cache_key("support.public_form", template_name, request=request)
    html = cache.get(key)
    if html is None:
        form = form_class()
        form.initial["submission"] = SUBMISSION_MARKER
        html = render_to_string(template_name, {"form": form, "csrf_token": CSRF_MARKER}, request)
        cache.set(key, html, PUBLIC_CACHE_SECONDS)
    return mark_safe(  # noqa: S308 — our own rendered markup; the two values put in are escaped
        html.replace(CSRF_MARKER, conditional_escape(csrf_token))
        .replace(SUBMISSION_MARKER, conditional_escape(submission_key_new()))
    )
