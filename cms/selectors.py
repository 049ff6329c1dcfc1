"""Reads of the cms app that other apps and views share."""

from itertools import groupby

from django.core.cache import cache
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.safestring import mark_safe

from core.public_cache import PUBLIC_CACHE_SECONDS, public_cache_key

from .models import FAQ, Page, PageRevision
from .rendering import render_markdown

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


def page_reading(*, slug, user, types=None, exclude_types=None, terms=False, request=None):
    """What a reader gets of the page at ``slug``: {"page", "content" (the
    sanitised HTML)}, and with ``terms`` the CGV's "current" and "earlier"
    versions. Raises Page.DoesNotExist like page_for_reader.

    Staff get the page as it is now (drafts and planned pages, for the
    preview). Everyone else reads the same live public page: from the cache
    (core.public_cache), until a page or version is saved, or until the next
    version of this page goes live, whichever comes first."""
    if user.is_authenticated and user.is_admin:
        return _page_reading(page_for_reader(slug=slug, user=user, types=types, exclude_types=exclude_types), terms)
    key = public_cache_key("cms.page", slug, types, exclude_types, terms, request=request)
    reading = cache.get(key)
    if reading is None:
        reading = _page_reading(page_for_reader(slug=slug, user=user, types=types, exclude_types=exclude_types), terms)
        seconds = _seconds_until_next_version(reading["page"])
        if seconds > 0:
            cache.set(key, reading, seconds)
    return reading


def _page_reading(page, terms):
    reading = {"page": page, "content": mark_safe(render_markdown(page.content))}  # noqa: S308 — nh3 cleaned it
    if terms:
        current = current_terms_revision()
        reading["current"] = current
        reading["earlier"] = list(earlier_revisions(page, exclude_number=current.number if current else None))
    return reading


def _seconds_until_next_version(page):
    """How long what a visitor reads of ``page`` stays true, at most
    PUBLIC_CACHE_SECONDS: a version planned for later (the next CGV) goes
    live at its moment, with no write to announce it (rounded down: the
    entry expires before that moment, never after)."""
    now = timezone.now()
    planned = page.revisions.filter(published_at__gt=now).aggregate(first=Min("published_at"))["first"]
    if planned is None:
        return PUBLIC_CACHE_SECONDS
    return min(PUBLIC_CACHE_SECONDS, int((planned - now).total_seconds()))


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
