"""The landing page's cms blocks ({% load landing %}): core renders the
page and may not import cms, so it reads them through these tags."""

from django import template

from cms.models import FAQ, Testimonial

register = template.Library()


@register.inclusion_tag("cms/_testimonials.html")
def testimonials(limit=6):
    """The visible testimonials, in their display order (one query)."""
    return {"testimonials": list(Testimonial.objects.filter(visible=True)[:limit])}


@register.inclusion_tag("cms/_faq_excerpt.html")
def faq_excerpt(limit=5):
    """``limit`` visible questions, the first of each category first (staff
    order them in the admin), with a link to the whole FAQ (one query)."""
    faqs = FAQ.objects.filter(visible=True).order_by("order", "category", "created_at")[:limit]
    return {"faqs": list(faqs)}
