"""The public forms, for other pages (the landing page):
``{% load support_public %}{% contact_form %}{% free_sample_form %}``.
Each renders the same partial as its own page and posts to it."""

from django import template

from ..public_forms import ContactForm, FreeSampleForm

register = template.Library()


@register.inclusion_tag("support/public/_contact_form.html", takes_context=True)
def contact_form(context):
    return {"form": ContactForm(user=_user(context)), "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("support/public/_free_sample_form.html", takes_context=True)
def free_sample_form(context):
    return {"form": FreeSampleForm(user=_user(context)), "csrf_token": context.get("csrf_token")}


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)
