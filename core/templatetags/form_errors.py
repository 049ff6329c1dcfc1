"""Ids of a form's error blocks, shared by includes/form.html and core.forms:
`{% load form_errors %}`."""

from django import template

from core import forms

register = template.Library()

register.filter("form_errors_id", forms.form_errors_id)
register.filter("error_summary_id", forms.error_summary_id)


@register.filter
def fields_in_error(form):
    """The visible fields of a bound form that carry errors, in form order."""
    return [field for field in form.visible_fields() if field.errors]
