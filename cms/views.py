"""Public pages of the cms app: CMS pages, legal pages, blog, FAQ, sitemap, robots.txt.

Anything not online (draft, archived, scheduled for later) and any page not
public answers 404, except to staff, who read it with a preview banner.
A page that needs a login sends a logged-out visitor to it first.
"""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from . import selectors
from .models import LEGAL_PAGE_URLS, Page, PageRevision

BLOG_PER_PAGE = 10
FAQ_QUERY_MAX_LENGTH = 100


def _page_reading_or_404(request, slug, **filters):
    try:
        return selectors.page_reading(slug=slug, user=request.user, request=request, **filters)
    except Page.DoesNotExist:
        raise Http404 from None


def _render_page(request, reading, template):
    """``reading``: the page, its rendered content and more (selectors.page_reading)."""
    page = reading["page"]
    if page.require_auth and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return render(request, template, {
        **reading,
        # Only staff get here with a page that is offline or private.
        "preview": not (page.is_live and page.is_public),
        "og_type": "article" if page.type == Page.Type.BLOG else "website",
    })


@require_GET
def page_detail(request, slug):
    if slug in LEGAL_PAGE_URLS:  # one address per legal page
        return redirect(LEGAL_PAGE_URLS[slug], permanent=True)
    reading = _page_reading_or_404(request, slug, exclude_types=[Page.Type.BLOG])
    return _render_page(request, reading, "cms/page.html")


def _legal_page(request, slug):
    return _render_page(request, _page_reading_or_404(request, slug), "cms/page.html")


@require_GET
def terms(request):
    """The CGV in force, its version number and the earlier versions."""
    return _render_page(request, _page_reading_or_404(request, selectors.TERMS_SLUG, terms=True), "cms/terms.html")


@require_GET
def terms_version(request, number):
    """An earlier CGV version: the text a client accepted stays readable
    (every version that went live; staff also see the planned one)."""
    revisions = PageRevision.objects.filter(page__slug=selectors.TERMS_SLUG).select_related("page")
    if not (request.user.is_authenticated and request.user.is_admin):
        revisions = revisions.filter(published_at__lte=timezone.now())
    revision = get_object_or_404(revisions, number=number)
    current = selectors.current_terms_revision()
    return render(request, "cms/terms_version.html", {
        "revision": revision, "is_current": current is not None and current.pk == revision.pk,
    })


@require_GET
def legal_notice(request):
    return _legal_page(request, "mentions-legales")


@require_GET
def privacy(request):
    return _legal_page(request, "confidentialite")


@require_GET
def cookies(request):
    return _legal_page(request, "cookies")


@require_GET
def blog(request):
    page = Paginator(selectors.blog_posts(user=request.user), BLOG_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "cms/blog.html", {"posts": page})


@require_GET
def blog_post(request, slug):
    reading = _page_reading_or_404(request, slug, types=[Page.Type.BLOG])
    return _render_page(request, reading, "cms/blog_post.html")


@require_GET
def faq(request):
    """The FAQ, grouped by category; ?q= searches it. An htmx request (this
    page's search box, or another page embedding it with hx-get) gets the
    results only."""
    query = request.GET.get("q", "").strip()[:FAQ_QUERY_MAX_LENGTH]
    context = {"groups": selectors.faq_groups(query=query), "query": query}
    template = "cms/_faq_results.html" if request.htmx else "cms/faq.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# What crawlers need not visit: logins, personal spaces, the back office.
ROBOTS_DISALLOW = ("/admin/", "/accounts/", "/billing/", "/messages/", "/support/")


@require_GET
def robots_txt(request):
    lines = ["User-agent: *", "Allow: /", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW), "",
             f"Sitemap: {settings.SITE_URL}{reverse('cms:sitemap')}"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
