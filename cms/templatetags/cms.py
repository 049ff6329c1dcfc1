from django import template
from django.utils.safestring import mark_safe

from cms.rendering import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    """{{ page.content|markdown }}: rendered and sanitised (cms.rendering)."""
    return mark_safe(render_markdown(text))  # noqa: S308 — nh3 cleaned it
