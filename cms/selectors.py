"""Reads of the cms app that other apps and views share."""

from itertools import groupby

from django.db.models import Q
from django.utils import timezone

from .models import FAQ, Page, PageRevision

# The stable slugs of the legal pages (their URLs are fixed: /cgv/ ...).
TERMS_SLUG = "cgv"


def live_q(now=None, prefix=""):
    """Pages a visitor may see as far as their status goes: published, or
    scheduled and due (the same rule as Page.is_live, for querysets).
    ``prefix`` reaches the page through a relation ("page__")."""
    now = now or timezone.now()
    return Q(**{f"{prefix}status": Page.Status.PUBLISHED}) | Q(
        **{f"{prefix}status": Page.Status.SCHEDULED, f"{prefix}published_at__lte": now})


def current_terms_revision():
    """The version of the CGV in force (the latest revision that went live),
    or None if the CGV page is not online."""
    now = timezone.now()
    return (
        PageRevision.objects.filter(live_q(now, prefix="page__"), page__slug=TERMS_SLUG, published_at__lte=now)
        .select_related("page")
        .order_by("-number")
        .first()
    )


def page_for_reader(*, slug, user, types=None, exclude_types=None):
    """The page at ``slug`` if ``user`` may read it (staff: any page, for the
    preview); raises Page.DoesNotExist otherwise. Whether a login is needed
    (require_auth) is the view's to enforce."""
    pages = Page.objects.all()
    if types:
        pages = pages.filter(type__in=types)
    if exclude_types:
        pages = pages.exclude(type__in=exclude_types)
    if not (user.is_authenticated and user.is_admin):
        pages = pages.filter(live_q(), is_public=True)
    return pages.get(slug=slug)


def earlier_revisions(page, *, exclude_number=None):
    """The versions of ``page`` that have gone live, newest first."""
    revisions = page.revisions.filter(published_at__lte=timezone.now()).only("page_id", "number", "published_at")
    if exclude_number is not None:
        revisions = revisions.exclude(number=exclude_number)
    return revisions.order_by("-number")


def blog_posts(*, user):
    """Live public blog posts, newest first (those behind a login only for the logged in)."""
    posts = Page.objects.filter(live_q(), type=Page.Type.BLOG, is_public=True).order_by("-published_at", "title")
    if not user.is_authenticated:
        posts = posts.filter(require_auth=False)
    return posts.defer("content")


def faq_groups(*, query=""):
    """Visible FAQ entries matching ``query`` (in the question or the
    answer), as [(category, [faq, ...]), ...] in display order: one query."""
    faqs = FAQ.objects.filter(visible=True)
    for word in query.split():
        faqs = faqs.filter(Q(question__icontains=word) | Q(answer__icontains=word))
    return [(category, list(items)) for category, items in groupby(faqs.order_by("category", "order", "created_at"),
                                                                    key=lambda faq: faq.category)]


def sitemap_pages():
    """What search engines may index: live, public pages that need no login."""
    return Page.objects.filter(live_q(), is_public=True, require_auth=False).order_by("type", "sort_order", "title")
