"""sitemap.xml: what search engines may index, at the site's public address
(SITE_URL, as the canonical links), whatever host the request came through."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from . import selectors


class SiteUrlSitemap(Sitemap):
    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class PageSitemap(SiteUrlSitemap):
    """Live public pages, blog posts and legal pages (at their stable URLs)."""

    def items(self):
        return selectors.sitemap_pages()

    def lastmod(self, page):
        return page.updated_at


class StaticSitemap(SiteUrlSitemap):
    """The public pages that are not CMS pages."""

    def items(self):
        return ["core:landing", "orders:pricing", "cms:blog", "cms:faq"]

    def location(self, name):
        return reverse(name)


SITEMAPS = {"pages": PageSitemap, "static": StaticSitemap}
