import re
from datetime import timedelta

import pytest
from django.utils import timezone

from cms.models import Page

from .factories import BlogPostFactory, PageFactory

pytestmark = pytest.mark.django_db

SITE = "https://www.staka.example"


def locations(client):
    response = client.get("/sitemap.xml", HTTP_HOST="127.0.0.1")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    return set(re.findall(r"<loc>(.*?)</loc>", response.content.decode()))


def test_the_sitemap_lists_exactly_the_published_public_pages(client, settings):
    settings.SITE_URL = SITE
    now = timezone.now()
    listed = [
        PageFactory(slug="a-propos"),
        BlogPostFactory(slug="bien-relire"),
        PageFactory(slug="cgv", type=Page.Type.LEGAL),
        PageFactory(slug="prochainement", status=Page.Status.SCHEDULED, published_at=now - timedelta(minutes=1)),
    ]
    PageFactory(slug="brouillon", status=Page.Status.DRAFT)
    PageFactory(slug="archive", status=Page.Status.ARCHIVED)
    PageFactory(slug="plus-tard", status=Page.Status.SCHEDULED, published_at=now + timedelta(days=1))
    PageFactory(slug="privee", is_public=False)
    BlogPostFactory(slug="reserve", require_auth=True)

    pages = {loc for loc in locations(client) if loc not in {f"{SITE}/", f"{SITE}/pricing/", f"{SITE}/blog/",
                                                             f"{SITE}/faq/"}}
    assert pages == {f"{SITE}/pages/a-propos/", f"{SITE}/blog/bien-relire/", f"{SITE}/cgv/",
                     f"{SITE}/pages/prochainement/"}
    assert len(listed) == len(pages)


def test_the_sitemap_names_the_public_pages_that_are_not_cms_pages(client, settings):
    settings.SITE_URL = SITE
    assert locations(client) == {f"{SITE}/", f"{SITE}/pricing/", f"{SITE}/blog/", f"{SITE}/faq/"}


def test_robots_txt_allows_all_but_private_areas_and_names_the_sitemap(client, settings):
    settings.SITE_URL = SITE
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines and "Allow: /" in lines
    for private in ("/admin/", "/accounts/", "/billing/", "/messages/", "/support/"):
        assert f"Disallow: {private}" in lines
    assert f"Sitemap: {SITE}/sitemap.xml" in lines
