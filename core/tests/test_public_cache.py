"""The public pages from the cache (core.public_cache): what staff change
shows at the next anonymous request, planned versions at their moment,
nothing of one visitor reaches another, and a warm page reads no database."""

import re
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from cms import services as cms_services
from cms.models import Page, PageRevision
from cms.tests.factories import FAQFactory, PageFactory, TestimonialFactory
from conftest import CommittingClient
from core.testing import visible_text
from orders.tests.factories import ServiceFactory
from support.models import Ticket

pytestmark = pytest.mark.django_db

LANDING = "/"


def text(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return visible_text(response.content.decode())


def quote_url(service, pages=250, **extra):
    query = "&".join(f"{name}={value}" for name, value in {"service": service.pk, "declared_pages": pages, **extra}.items())
    return f"{reverse('orders:quote')}?{query}"


# --- What staff change shows at once -------------------------------------------

def test_a_price_an_activation_an_faq_and_a_testimonial_show_at_the_next_request(client):
    service = ServiceFactory(name="Correction Standard", price=200)
    pack = ServiceFactory(name="Pack Caché", pricing="FIXED", price=35000)
    assert "2,00 € la page" in text(client, LANDING)  # cached from here
    service.price = 240
    service.save()
    pack.is_active = False
    pack.save()
    FAQFactory(question="Une question toute neuve ?")
    TestimonialFactory(author_name="Lectrice ravie", quote="Parfait.")
    landing = text(client, LANDING)
    assert "2,40 € la page" in landing and "2,00 €" not in landing
    assert "Pack Caché" not in landing
    assert "Une question toute neuve ?" in landing and "Lectrice ravie" in landing


def test_a_price_change_reaches_the_cached_calculator(client):
    service = ServiceFactory(price=200)
    assert "480,00 €" in text(client, quote_url(service))
    service.price = 300
    service.save()
    assert "720,00 €" in text(client, quote_url(service))


def test_a_published_change_of_the_cgv_shows_at_once(client, staff):
    cgv = cms_services.page_publish(page=PageFactory(slug="cgv", content="Ancien texte", status=Page.Status.DRAFT))
    assert "Ancien texte" in text(client, "/cgv/")
    cgv.content = "Nouveau texte"
    cgv.save()
    cms_services.page_publish(page=cgv, by=staff)
    page = text(client, "/cgv/")
    assert "Nouveau texte" in page and "Version 2, en vigueur" in page


def test_a_page_taken_offline_is_gone_at_once(client):
    page = PageFactory(slug="a-propos", content="Qui sommes-nous")
    assert "Qui sommes-nous" in text(client, "/pages/a-propos/")
    cms_services.page_unpublish(page=page)
    assert client.get("/pages/a-propos/").status_code == 404


def test_a_planned_version_goes_live_at_its_moment_with_the_cache_warm(client):
    """No write happens at that moment (no beat task needed): the cached
    page expires by itself before it."""
    cgv = cms_services.page_publish(page=PageFactory(slug="cgv", content="Texte v1", status=Page.Status.DRAFT))
    moment = timezone.now() + timedelta(seconds=2)
    PageRevision.objects.create(page=cgv, number=2, title=cgv.title, content="Texte v2", published_at=moment)
    assert "Version 1, en vigueur" in text(client, "/cgv/")  # cached now, with the planned version ahead
    assert "Version 1, en vigueur" in text(client, "/cgv/")
    time.sleep(max(0, (moment - timezone.now()).total_seconds()) + 0.05)
    assert "Version 2, en vigueur" in text(client, "/cgv/")


def test_a_scheduled_page_appears_at_its_moment(client):
    moment = timezone.now() + timedelta(seconds=1)
    PageFactory(slug="bientot", content="Enfin là", status=Page.Status.SCHEDULED, published_at=moment)
    assert client.get("/pages/bientot/").status_code == 404
    time.sleep(max(0, (moment - timezone.now()).total_seconds()) + 0.05)
    assert "Enfin là" in text(client, "/pages/bientot/")


# --- Nothing of one visitor reaches another -----------------------------------

def form_tokens(html):
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)


def test_each_visitor_gets_a_csrf_token_and_submission_keys_of_their_own():
    ServiceFactory()
    first, second = Client(enforce_csrf_checks=True), CommittingClient(enforce_csrf_checks=True)
    first_html = first.get(LANDING).content.decode()
    second_html = second.get(LANDING).content.decode()  # from the cache
    assert len(form_tokens(first_html)) == 2 and len(form_tokens(second_html)) == 2
    assert set(form_tokens(first_html)).isdisjoint(form_tokens(second_html))
    keys = re.findall(r'name="submission" value="([^"]+)"', first_html + second_html)
    assert len(keys) == 4 and len(set(keys)) == 4  # one per form and visitor: two visitors never make one ticket
    assert "marker" not in second_html
    # The second visitor's token (cached page) is valid with their own cookie.
    contact = second_html[second_html.index('action="/contact/"'):]
    response = second.post(reverse("public:contact"), {
        "csrfmiddlewaretoken": form_tokens(contact)[0], "submission": re.search(
            r'name="submission" value="([^"]+)"', contact).group(1),
        "name": "Ada Lovelace", "email": "ada@example.org", "subject": "Devis", "message": "Bonjour", "consent": "on",
    })
    assert response.status_code in (200, 302), response.status_code
    assert Ticket.objects.filter(visitor_email="ada@example.org").exists()


def test_a_logged_in_user_sees_their_own_header_and_form_after_visitors(client):
    ServiceFactory()
    Client().get(LANDING)  # a visitor warms the cache
    user = UserFactory(first_name="Zoéline", email="zoeline@example.org")
    client.force_login(user)
    html = client.get(LANDING).content.decode()
    assert "Zoéline" in html and "Se déconnecter" in html and "Accéder à mon espace" in html
    assert 'value="zoeline@example.org"' in html  # the forms prefilled for them
    anonymous = Client().get(LANDING).content.decode()
    assert "Zoéline" not in anonymous and "zoeline@example.org" not in anonymous
    assert "Se connecter" in anonymous and "Accéder à mon espace" not in anonymous


def test_staff_preview_of_a_draft_never_reaches_visitors(client, staff):
    page = PageFactory(slug="brouillon", content="Texte public")
    Client().get("/pages/brouillon/")  # cached for visitors
    page.content = "Texte en préparation"
    page.save()
    cms_services.page_unpublish(page=page)
    client.force_login(staff)
    preview = client.get("/pages/brouillon/").content.decode()
    assert "Brouillon — aperçu" in preview and "Texte en préparation" in preview
    assert Client().get("/pages/brouillon/").status_code == 404


def test_junk_calculator_inputs_are_answered_but_not_cached(client, django_assert_num_queries):
    service = ServiceFactory(price=200)
    for _ in range(2):
        with django_assert_num_queries(1):  # the service, each time
            assert "480,00 €" in text(client, quote_url(service, pages="0250"))


# --- A warm page reads no database, cold the same count at any size ----------

def fill(count):
    for _ in range(count):
        ServiceFactory()
        TestimonialFactory()
        FAQFactory()
        PageRevision.objects.create(page=Page.objects.get(slug="cgv"), number=PageRevision.objects.count() + 1,
                                    title="CGV", content="Texte", published_at=timezone.now() - timedelta(days=1))


@pytest.mark.parametrize(("url", "htmx", "cold"), [
    # The services (cards, the calculator's example, choice check and <select>, the free sample's
    # <select>), the standard rate, testimonials, FAQ.
    (LANDING, False, 10),
    ("quote", True, 1),  # the service
    ("/cgv/", False, 4),  # the page, the version in force, the earlier ones, the next planned one
])
def test_public_pages_cost_no_query_warm_and_a_fixed_count_cold(client, django_assert_num_queries, url, htmx, cold):
    cms_services.page_publish(page=PageFactory(slug="cgv", status=Page.Status.DRAFT))
    standard = ServiceFactory(name="AAA Correction standard")
    url = quote_url(standard) if url == "quote" else url
    headers = {"HX-Request": "true"} if htmx else {}
    for count in (1, 20):
        fill(count)  # each write starts a new version: the next request is cold
        with django_assert_num_queries(cold):
            client.get(url, headers=headers)
        with django_assert_num_queries(0):
            response = client.get(url, headers=headers)
        assert response.status_code == 200


def test_a_deployment_with_changed_templates_reads_other_keys(settings, tmp_path):
    from core import public_cache

    template = tmp_path / "landing.html"
    template.write_text("<h1>Avant</h1>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    public_cache._release_digest.cache_clear()
    try:
        before = public_cache.public_cache_key("landing")
        template.write_text("<h1>Après</h1>")
        public_cache._release_digest.cache_clear()  # a new release: new processes
        assert public_cache.public_cache_key("landing") != before
    finally:
        public_cache._release_digest.cache_clear()
