"""Reads of the cms app that other apps and views share."""

from .models import Page, PageRevision

# The stable slugs of the legal pages (their URLs are fixed: /cgv/ ...).
TERMS_SLUG = "cgv"


def current_terms_revision():
    """The latest published version of the CGV, or None if none was ever published."""
    return (
        PageRevision.objects.filter(page__slug=TERMS_SLUG, page__status=Page.Status.PUBLISHED)
        .select_related("page")
        .order_by("-number")
        .first()
    )
