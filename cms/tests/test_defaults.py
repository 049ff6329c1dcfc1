import pytest
from django.test import Client

from cms import models as cms_models  # a bare "Testimonial" name would be collected by pytest
from cms.defaults import load_default_content
from cms.models import FAQ, Page, PageRevision
from cms.selectors import current_terms_revision
from core.registry import demo_seeders

pytestmark = pytest.mark.django_db

LEGAL = {"cgv": "/cgv/", "mentions-legales": "/mentions-legales/", "confidentialite": "/confidentialite/",
         "cookies": "/cookies/"}


def test_default_content_is_published_with_a_first_version():
    assert load_default_content() > 0
    pages = Page.objects.all()
    assert {p.slug for p in pages if p.type == Page.Type.LEGAL} == set(LEGAL)
    assert pages.filter(type=Page.Type.BLOG).count() == 2
    assert all(p.status == Page.Status.PUBLISHED for p in pages)
    assert all(p.revisions.count() == 1 for p in pages)
    assert current_terms_revision().number == 1
    assert FAQ.objects.filter(visible=True).count() >= 11
    assert set(FAQ.objects.values_list("category", flat=True)) == {"Commande", "Paiement", "Correction", "Compte"}
    assert cms_models.Testimonial.objects.count() == 4


def test_loading_again_creates_nothing_and_keeps_staff_edits():
    load_default_content()
    cgv = Page.objects.get(slug="cgv")
    cgv.content = "Texte revu par l'équipe"
    cgv.save()
    FAQ.objects.filter(category="Compte").first().delete()
    counts = (Page.objects.count(), PageRevision.objects.count(), FAQ.objects.count(), cms_models.Testimonial.objects.count())
    assert load_default_content() == 1  # only the deleted question comes back
    assert (Page.objects.count(), PageRevision.objects.count(), FAQ.objects.count() - 1,
            cms_models.Testimonial.objects.count()) == counts
    assert Page.objects.get(slug="cgv").content == "Texte revu par l'équipe"
    assert load_default_content() == 0


def test_the_legal_texts_take_the_seller_and_delays_from_the_settings(settings):
    settings.SELLER = {**settings.SELLER, "name": "Zqx Éditions SARL", "siret": "999 888 777 00011"}
    settings.LEGAL = {**settings.LEGAL, "hosting_provider": "Hébergeur Zqx, 1 rue du Serveur, Roubaix"}
    settings.ORDER_FILE_RETENTION_DAYS = 45
    settings.VAT_EXEMPT = True
    load_default_content()
    terms = Page.objects.get(slug="cgv").content
    notice = Page.objects.get(slug="mentions-legales").content
    privacy = Page.objects.get(slug="confidentialite").content
    assert "Zqx Éditions SARL" in terms and "999 888 777 00011" in notice and "Zqx Éditions SARL" in notice
    assert "Hébergeur Zqx, 1 rue du Serveur, Roubaix" in notice and "Numéro de TVA" not in notice
    assert "article 293 B" in terms and "effacés 45 jours après" in privacy
    for law in ("L221-18", "L221-28", "médiateur", "droit français", "carte bancaire"):
        assert law in terms
    assert " ;" not in terms and "\u202f;" in terms  # never a line starting with « ; »
    assert "10 ans" in privacy and "/accounts/profile/export/" in privacy and "/accounts/profile/delete/" in privacy


def test_the_default_pages_render_for_a_visitor():
    load_default_content()
    visitor = Client()
    for url in (*LEGAL.values(), "/faq/", "/blog/", "/blog/choisir-son-service/"):
        response = visitor.get(url)
        assert response.status_code == 200, url
    cookies = visitor.get("/cookies/").content.decode()
    assert "<table" in cookies and "sessionid" in cookies and "csrftoken" in cookies


def test_the_content_is_a_demo_seeder():
    assert demo_seeders["cms"] is load_default_content
