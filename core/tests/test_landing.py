"""The landing page: the services and prices as they are in the database
now, the calculator, visible testimonials and FAQ only, the public forms;
a fixed number of queries whatever the content."""

import re

import pytest
from django.urls import reverse

from cms.tests import factories as cms_factories
from core.testing import visible_text
from orders.tests.factories import PackFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def landing(client):
    response = client.get(reverse("core:landing"))
    assert response.status_code == 200
    return visible_text(response.content.decode())


def test_a_price_changed_in_the_database_shows_at_once(client, staff):
    service = ServiceFactory(name="Correction Standard", price=200)
    pack = PackFactory(name="Pack KDP Autoédition", price=35000)
    text = landing(client)
    assert "2,00 € la page" in text and "350,00 € le forfait" in text
    # As the admin saves it (its save clears the cached standard rate on commit).
    client.force_login(staff)
    response = client.post(reverse("admin:orders_service_change", args=[service.pk]), {
        "name": service.name, "description": service.description, "kind": service.kind, "pricing": service.pricing,
        "price": "2,40", "reduced_unit_price": "1,00", "estimated_duration": "", "is_active": "on",
        "display_order": 0,
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    pack.price = 38000
    pack.save()  # a change saved elsewhere than the admin shows too
    client.logout()
    text = landing(client)
    assert "2,40 € la page" in text and "380,00 € le forfait" in text
    assert "Ensuite, 2,40 € la page" in text  # the hero's rate
    assert "2,00 €" not in text


def test_the_calculator_prices_the_public_example_and_posts_to_the_order_form(client):
    ServiceFactory(name="Correction Standard", price=200)
    response = client.get(reverse("core:landing"))
    html = response.content.decode()
    assert "480,00 €" in visible_text(html)  # 250 pages, the first 10 free
    calculator = re.search(r'<form[^>]*hx-get="/pricing/quote/"[^>]*>', html).group(0)
    assert f'action="{reverse("orders:create")}"' in calculator


def test_only_visible_testimonials_and_faq_are_shown(client):
    cms_factories.TestimonialFactory(author_name="Claire M.", quote="Un travail minutieux.")
    cms_factories.TestimonialFactory(author_name="Caché", quote="Jamais montré.", visible=False)
    for number in range(7):
        cms_factories.FAQFactory(question=f"Question visible {number} ?", order=number)
    cms_factories.FAQFactory(question="Question cachée ?", visible=False, order=-1)
    html = client.get(reverse("core:landing")).content.decode()
    text = visible_text(html)
    assert "Un travail minutieux." in text and "Claire M." in text
    assert "Jamais montré." not in text and "Caché" not in text
    shown = re.findall(r"Question visible (\d) \?", text)
    assert shown == ["0", "1", "2", "3", "4"]  # five, in the staff's order
    assert "Question cachée" not in text
    assert f'href="{reverse("cms:faq")}"' in html


def test_without_testimonials_or_faq_their_sections_are_left_out(client):
    cms_factories.TestimonialFactory(visible=False)
    cms_factories.FAQFactory(visible=False)
    html = client.get(reverse("core:landing")).content.decode()
    assert 'id="temoignages-titre"' not in html and 'id="faq-titre"' not in html


def test_the_hero_calls_to_order_and_to_the_free_sample_form_on_the_page(client):
    html = client.get(reverse("core:landing")).content.decode()
    assert re.search(rf'<a class="btn btn--primary" href="{reverse("orders:create")}">Commander une correction</a>', html)
    assert '<a class="btn btn--secondary" href="#echantillon">Demander un échantillon gratuit</a>' in html
    # The free sample and contact forms post to their own pages.
    assert f'action="{reverse("public:free_sample")}"' in html and f'action="{reverse("public:contact")}"' in html


def test_the_landing_page_costs_a_fixed_number_of_queries(client, django_assert_num_queries):
    def fill(count):
        for _ in range(count):
            ServiceFactory()
            cms_factories.TestimonialFactory()
            cms_factories.FAQFactory()

    fill(1)
    with django_assert_num_queries(QUERIES):  # cold: the writes started a new version (core.public_cache)
        client.get(reverse("core:landing"))
    with django_assert_num_queries(0):  # warm: from the cache
        client.get(reverse("core:landing"))
    fill(30)
    with django_assert_num_queries(QUERIES):
        client.get(reverse("core:landing"))


# Cold: the services (cards; the calculator's example, choice check and
# <select>; the free sample's <select>), the standard rate, the
# testimonials, the FAQ.
QUERIES = 10
