from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cms import services
from cms.models import Page

from .factories import BlogPostFactory, FAQFactory, PageFactory

pytestmark = pytest.mark.django_db

BANNER = "Brouillon — aperçu"


@pytest.fixture
def browsers(client_user, staff):
    """Who reads: a visitor, a client, the team."""
    from django.test import Client

    visitor, reader, team = Client(), Client(), Client()
    reader.force_login(client_user)
    team.force_login(staff)
    return {"visiteur": visitor, "client": reader, "équipe": team}


def offline_cases():
    now = timezone.now()
    return {
        "brouillon": {"status": Page.Status.DRAFT, "published_at": None},
        "archivée": {"status": Page.Status.ARCHIVED, "published_at": now - timedelta(days=3)},
        "programmée plus tard": {"status": Page.Status.SCHEDULED, "published_at": now + timedelta(hours=2)},
        "privée": {"status": Page.Status.PUBLISHED, "published_at": now, "is_public": False},
    }


@pytest.mark.parametrize("case", list(offline_cases()))
@pytest.mark.parametrize("factory", [PageFactory, BlogPostFactory], ids=["page", "article"])
def test_offline_or_private_pages_are_404_but_staff_preview_them(browsers, case, factory):
    page = factory(content="Texte zqxsecret", **offline_cases()[case])
    url = page.get_absolute_url()
    for who in ("visiteur", "client"):
        response = browsers[who].get(url)
        assert response.status_code == 404, who
        assert b"zqxsecret" not in response.content
    response = browsers["équipe"].get(url)
    assert response.status_code == 200
    assert BANNER in response.content.decode() and b"zqxsecret" in response.content
    assert b'<meta name="robots" content="noindex">' in response.content


@pytest.mark.parametrize("factory", [PageFactory, BlogPostFactory], ids=["page", "article"])
def test_a_published_or_due_scheduled_page_is_public_without_banner(browsers, factory):
    published = factory(content="Texte **public**")
    due = factory(status=Page.Status.SCHEDULED, published_at=timezone.now() - timedelta(minutes=1))
    for page in (published, due):
        for who, browser in browsers.items():
            response = browser.get(page.get_absolute_url())
            assert response.status_code == 200, (who, page.status)
            assert BANNER not in response.content.decode()
    assert "<strong>public</strong>" in browsers["visiteur"].get(published.get_absolute_url()).content.decode()


def test_require_auth_sends_a_visitor_to_login_with_next(browsers):
    page = PageFactory(require_auth=True)
    response = browsers["visiteur"].get(page.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next=/pages/{page.slug}/"
    assert browsers["client"].get(page.get_absolute_url()).status_code == 200


def test_blog_posts_live_under_blog_and_other_pages_under_pages(client):
    post, page = BlogPostFactory(), PageFactory()
    assert client.get(f"/blog/{post.slug}/").status_code == 200
    assert client.get(f"/pages/{post.slug}/").status_code == 404
    assert client.get(f"/pages/{page.slug}/").status_code == 200
    assert client.get(f"/blog/{page.slug}/").status_code == 404


def test_a_legal_page_has_one_address(client):
    PageFactory(slug="mentions-legales", type=Page.Type.LEGAL, title="Mentions légales")
    response = client.get("/pages/mentions-legales/")
    assert response.status_code == 301 and response["Location"] == "/mentions-legales/"
    assert "Mentions légales" in client.get("/mentions-legales/").content.decode()


@pytest.mark.parametrize("url,slug", [("/mentions-legales/", "mentions-legales"), ("/confidentialite/", "confidentialite"),
                                      ("/cookies/", "cookies"), ("/cgv/", "cgv")])
def test_legal_urls_render_the_cms_page_of_their_slug(client, url, slug):
    assert client.get(url).status_code == 404  # not written yet
    PageFactory(slug=slug, type=Page.Type.LEGAL, title=f"Titre {slug}", content=f"Texte de {slug}")
    response = client.get(url)
    assert response.status_code == 200 and f"Texte de {slug}" in response.content.decode()


def test_the_cgv_list_earlier_versions_which_stay_readable(client, staff):
    cgv = services.page_publish(page=PageFactory(slug="cgv", type=Page.Type.LEGAL, title="CGV", content="Ancien texte",
                                                 status=Page.Status.DRAFT, published_at=None), by=staff)
    cgv.content = "Nouveau texte"
    cgv.save()
    services.page_publish(page=cgv, by=staff)

    page = client.get("/cgv/").content.decode()
    assert "Nouveau texte" in page and "Version 2, en vigueur depuis le" in page
    assert 'href="/cgv/version/1/"' in page and 'href="/cgv/version/2/"' not in page
    old = client.get("/cgv/version/1/").content.decode()
    assert "Ancien texte" in old and "n'est plus en vigueur" in old
    assert "n'est plus en vigueur" not in client.get("/cgv/version/2/").content.decode()
    assert client.get("/cgv/version/3/").status_code == 404


def test_a_planned_cgv_version_is_not_readable_before_its_date(client, browsers, staff):
    cgv = services.page_publish(page=PageFactory(slug="cgv", content="v1", status=Page.Status.DRAFT), by=staff)
    cgv.content = "v2 zqxfutur"
    cgv.save()
    services.page_schedule(page=cgv, at=timezone.now() + timedelta(days=1), by=staff)
    assert client.get("/cgv/version/2/").status_code == 404
    assert client.get("/cgv/version/1/").status_code == 200
    assert browsers["équipe"].get("/cgv/version/2/").status_code == 200


def test_seo_tags_come_from_the_page_then_fall_back(client, settings):
    settings.SITE_URL = "https://www.staka.example"
    page = PageFactory(title="Titre", excerpt="Résumé", meta_title="", meta_description="", slug="a-propos")
    html = client.get("/pages/a-propos/?utm=x").content.decode()
    assert "<title>Titre · Staka Livres</title>" in html
    assert '<meta name="description" content="Résumé">' in html
    assert '<link rel="canonical" href="https://www.staka.example/pages/a-propos/">' in html
    assert '<meta property="og:url" content="https://www.staka.example/pages/a-propos/">' in html
    assert '<meta property="og:title" content="Titre">' in html and '<meta property="og:type" content="website">' in html
    page.meta_title, page.meta_description = "Titre SEO", "Description SEO"
    page.save()
    html = client.get("/pages/a-propos/").content.decode()
    assert "<title>Titre SEO · Staka Livres</title>" in html and '<meta name="description" content="Description SEO">' in html
    assert '<meta property="og:description" content="Description SEO">' in html
    post = BlogPostFactory()
    assert '<meta property="og:type" content="article">' in client.get(post.get_absolute_url()).content.decode()


def test_every_other_page_has_default_seo_tags_and_the_footer(client, settings):
    settings.SITE_URL = "https://www.staka.example"
    html = client.get(reverse("accounts:login")).content.decode()
    assert '<link rel="canonical" href="https://www.staka.example/accounts/login/">' in html
    assert '<meta property="og:site_name" content="Staka Livres">' in html
    for url in ("/cgv/", "/mentions-legales/", "/confidentialite/", "/cookies/", "/faq/", "/blog/",
                f"mailto:{settings.SUPPORT_EMAIL}"):
        assert f'href="{url}"' in html, url


def test_blog_lists_live_public_posts_newest_first_and_paginates(client):
    now = timezone.now()
    BlogPostFactory(title="Ancien", published_at=now - timedelta(days=9))
    BlogPostFactory(title="Récent", published_at=now - timedelta(days=1))
    BlogPostFactory(title="Brouillon", status=Page.Status.DRAFT)
    BlogPostFactory(title="Privé", is_public=False)
    BlogPostFactory(title="Pour les inscrits", require_auth=True)
    PageFactory(title="Une page")
    html = client.get("/blog/").content.decode()
    assert html.index("Récent") < html.index("Ancien")
    for hidden in ("Brouillon", "Privé", "Pour les inscrits", "Une page"):
        assert hidden not in html
    for n in range(12):
        BlogPostFactory(title=f"Lot {n}", published_at=now - timedelta(days=20 + n))
    first = client.get("/blog/").content.decode()
    assert "Page 1 sur 2" in first and 'href="?page=2"' in first
    assert "Lot 11" in client.get("/blog/?page=2").content.decode()


def test_faq_is_grouped_by_category_and_searchable(client):
    FAQFactory(category="Paiement", question="Quels moyens de paiement ?", answer="Carte bancaire.", order=1)
    FAQFactory(category="Commande", question="Comment commander ?", answer="Depuis la page **Tarifs**.", order=1)
    FAQFactory(category="Commande", question="Puis-je annuler ?", answer="Avant le paiement.", order=2)
    FAQFactory(category="Commande", question="Question cachée ?", visible=False)
    html = client.get("/faq/").content.decode()
    assert html.index("Commande") < html.index("Comment commander") < html.index("Puis-je annuler") \
        < html.index("Paiement") < html.index("Quels moyens")
    assert "<strong>Tarifs</strong>" in html and "Question cachée" not in html

    found = client.get("/faq/", {"q": "carte"}).content.decode()
    assert "Quels moyens de paiement" in found and "Comment commander" not in found
    nothing = client.get("/faq/", {"q": "zqxrien"}).content.decode()
    assert "Aucune question ne correspond à « zqxrien »" in nothing


def test_faq_search_answers_htmx_with_the_results_only(client):
    FAQFactory(question="Comment commander ?")
    response = client.get("/faq/", {"q": "commander"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Comment commander" in html and "<html" not in html and "<form" not in html
    assert "HX-Request" in response["Vary"]


def test_faq_and_blog_cost_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for n in range(3):
        FAQFactory(category=f"Catégorie {n % 2}")
        BlogPostFactory()
    with django_assert_max_num_queries(3) as few:
        client.get("/faq/")
    for n in range(20):
        FAQFactory(category=f"Catégorie {n % 4}")
        BlogPostFactory()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/faq/", {"q": "Question"})
    with django_assert_max_num_queries(4) as few:
        client.get("/blog/")
    BlogPostFactory.create_batch(5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/blog/?page=2")


def test_only_get_is_answered(client):
    PageFactory(slug="a-propos")
    assert client.post("/pages/a-propos/").status_code == 405
    assert client.post("/faq/").status_code == 405
