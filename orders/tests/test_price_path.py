"""Issue 9, the price path: the calculator's bounds, the quote carried to the
order form, every stated price, count and delay read from what enforces it,
and plural forms."""

import re

import pytest
from django.urls import reverse

from core.testing import page_text
from orders import pricing
from orders.forms import VerifyPagesForm
from orders.models import Order

from .factories import PackFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def text(response):
    """The page as read: tags dropped, blanks (narrow no-break spaces too) as one space."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page_text(response)).replace("\u202f", " "))


def quote_panel(response):
    html = page_text(response)
    start = html.index('<div id="quote"')
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start:html.index("</div>", start)]).replace("\u202f", " "))


# --- 1. Out of bounds: the error, no price ------------------------------------

@pytest.mark.parametrize("pages", [0, 1001, -3])
def test_calculator_out_of_bounds_shows_the_error_and_no_price(client, pages):
    service = ServiceFactory(price=200)
    panel = quote_panel(client.get(reverse("orders:quote"), {"service": service.pk, "declared_pages": pages}))
    assert "Indiquez entre 1 et 1 000 pages." in panel
    assert "€" not in panel and "Indiquez le nombre de pages" not in panel  # one clear message


def test_pricing_page_out_of_bounds_shows_the_error_and_no_price(client):
    service = ServiceFactory(price=200)
    response = client.get(reverse("orders:pricing"), {"service": service.pk, "declared_pages": 1001})
    panel = quote_panel(response)
    assert "entre 1 et 1 000 pages" in panel and "€" not in panel


def test_pricing_form_lets_htmx_send_out_of_bounds_values(client):
    """htmx validates a form before sending it: with min/max on the input and
    no `novalidate`, typing 0 sent nothing and the old price stayed."""
    ServiceFactory()
    html = page_text(client.get(reverse("orders:pricing")))
    form_tag = re.search(r'<form[^>]*hx-get="/orders/quote/"[^>]*>', html) or re.search(
        r'<form[^>]*action="/orders/new/"[^>]*>', html
    )
    assert form_tag and "novalidate" in form_tag.group(0)


def test_order_form_refuses_out_of_bounds_pages_with_the_same_message(client, client_user):
    service = ServiceFactory()
    client.force_login(client_user)
    response = client.post(reverse("orders:create"), {"service": service.pk, "title": "T", "declared_pages": 1001})
    assert "Indiquez entre 1 et 1 000 pages." in text(response)
    assert not Order.objects.exists()


@pytest.mark.parametrize(("pages", "valid"), [(0, False), (1, True), (1000, True), (1001, False)])
def test_staff_verified_pages_use_the_same_bounds(pages, valid):
    form = VerifyPagesForm({"verified_pages": pages})
    assert form.is_valid() is valid
    if not valid:
        assert form.errors["verified_pages"] == ["Indiquez entre 1 et 1\u202f000 pages."]


# --- 2. "Commander" from the calculator: the quote at once --------------------

@pytest.mark.parametrize("logged_in", [True, False])
def test_order_form_prices_the_choice_carried_in_the_url(client, client_user, logged_in):
    if logged_in:
        client.force_login(client_user)
    service = ServiceFactory(price=200)
    response = client.get(reverse("orders:create"), {"service": service.pk, "declared_pages": 250})
    assert "480,00" in quote_panel(response)
    urgent = client.get(reverse("orders:create"), {"service": service.pk, "declared_pages": 250, "urgent": "on"})
    assert "720,00" in quote_panel(urgent)
    form = urgent.context["form"]
    assert form["declared_pages"].value() == "250" and form["urgent"].value()


def test_order_form_without_a_choice_shows_the_hint_and_with_a_bad_one_the_error(client, client_user):
    client.force_login(client_user)
    service = ServiceFactory()
    assert "Choisissez un service" in quote_panel(client.get(reverse("orders:create")))
    bad = quote_panel(client.get(reverse("orders:create"), {"service": service.pk, "declared_pages": 0}))
    assert "entre 1 et 1 000 pages" in bad and "€" not in bad


# --- 3. Every stated price, count and delay comes from what enforces it --------

def test_landing_follows_the_standard_service_prices(client, django_capture_on_commit_callbacks):
    PackFactory(display_order=0)  # a fixed pack is not the per-page rate
    standard = ServiceFactory(price=200, reduced_unit_price=100, display_order=1)
    page = text(client.get(reverse("core:landing")))
    assert "Les 10 premières pages sont offertes" in page
    assert "Ensuite, 2,00 € la page (300 mots)" in page and "Au-delà de 300 pages, 1,00 € la page" in page
    assert "Exemple : 250 pages corrigées pour 480,00 €" in page

    # A price change in the admin (a save) shows at once, though the landing page caches its prices.
    with django_capture_on_commit_callbacks(execute=True):
        standard.price, standard.reduced_unit_price = 300, 150
        standard.save()
    page = text(client.get(reverse("core:landing")))
    assert "Ensuite, 3,00 € la page" in page and "1,50 € la page" in page
    assert "250 pages corrigées pour 720,00 €" in page
    assert "480" not in page
    pricing_page = text(client.get(reverse("orders:pricing")))
    assert "720,00" in pricing_page


def test_landing_without_a_per_page_service_states_no_price(client):
    page = text(client.get(reverse("core:landing")))
    assert "€" not in page and "Tous nos tarifs" in page


def test_pricing_constants_drive_every_text(client, client_user, monkeypatch):
    monkeypatch.setattr(pricing, "FREE_PAGES", 5)
    monkeypatch.setattr(pricing, "URGENT_SURCHARGE_PERCENT", 25)
    monkeypatch.setattr(pricing, "MAX_PAGES", 500)
    monkeypatch.setattr(pricing, "WORDS_PER_PAGE", 250)
    service = ServiceFactory(price=200)
    landing = text(client.get(reverse("core:landing")))
    assert "Les 5 premières pages sont offertes" in landing and "(250 mots)" in landing
    assert "250 pages corrigées pour 490,00 €" in landing  # (250 - 5) × 2 €

    pricing_page = text(client.get(reverse("orders:pricing")))
    assert "Les 5 premières pages sont offertes" in pricing_page and "(250 mots)" in pricing_page
    assert "Livraison urgente (+25 %" in pricing_page and "+50" not in pricing_page
    assert 'max="500"' in page_text(client.get(reverse("orders:pricing")))
    quote = quote_panel(client.get(reverse("orders:quote"), {"service": service.pk, "declared_pages": 250, "urgent": "on"}))
    assert "250 pages dont 5 offertes" in quote and "Supplément urgence (+25 %)" in quote
    assert "entre 1 et 500 pages" in quote_panel(
        client.get(reverse("orders:quote"), {"service": service.pk, "declared_pages": 501})
    )

    client.force_login(client_user)
    form = text(client.get(reverse("orders:create")))
    assert "Les 5 premières pages sont offertes" in form and "+25 %" in form


def test_settings_drive_the_stated_limits_and_delays(client, client_user, settings):
    settings.FILE_UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    settings.AVATAR_MAX_BYTES = 1024 * 1024
    settings.ABANDONED_VISITOR_ORDER_DAYS = 5
    settings.ACCOUNT_ACTIVATION_TIMEOUT = 24 * 3600
    ServiceFactory()
    visitor_form = text(client.get(reverse("orders:create")))
    assert "20 Mo au plus par fichier" in visitor_form and "50 Mo" not in visitor_form

    session = client.session
    session["visitor_order"] = {"email": "a@example.org", "free": False}
    session.save()
    done = text(client.get(reverse("orders:visitor_done")))
    assert "dans les 24 heures" in done and "au bout de 5 jours" in done

    client.force_login(client_user)
    profile = text(client.get(reverse("accounts:profile")))
    assert "JPEG, PNG ou WebP, 1 Mo au plus." in profile and "2 Mo" not in profile


def test_order_page_states_the_revision_and_auto_finish_settings(client, client_user, delivered_order, settings):
    settings.ORDER_INCLUDED_REVISIONS = 3
    settings.ORDER_AUTO_FINISH_DAYS = 10
    Order.objects.filter(pk=delivered_order.pk).update(revision_count=1)
    client.force_login(client_user)
    page = text(client.get(reverse("orders:detail", args=[delivered_order.pk])))
    assert "1 sur 3 incluses" in page
    assert "la livraison est validée 10 jours après" in page


def test_activation_email_states_the_settings(settings):
    from core.emails import render_templated_email

    settings.ACCOUNT_ACTIVATION_TIMEOUT = 24 * 3600
    settings.ABANDONED_VISITOR_ORDER_DAYS = 1
    _subject, body, html = render_templated_email(
        template="activation",
        context={"first_name": "Anaïs", "order_path": "/orders/x/", "order_title": "Les Vendanges",
                 "activation_path": "/accounts/activate/x/"},
    )
    for part in (body, html):
        assert "dans les 24 heures" in part and "48" not in part
        assert "au bout de 1 jour," in part.replace("\u202f", " ")


# --- 4. Plural forms ------------------------------------------------------------

@pytest.mark.parametrize(
    ("pages", "line"),
    [(1, "1 page, offerte"), (8, "8 pages, offertes"), (10, "10 pages, offertes"),
     (11, "11 pages dont 10 offertes : 2,00 €"), (250, "250 pages dont 10 offertes : 480,00 €"),
     (1000, "1 000 pages dont 10 offertes")],
)
def test_quote_page_count_agrees_with_the_number(client, pages, line):
    service = ServiceFactory(price=200)
    panel = quote_panel(client.get(reverse("orders:quote"), {"service": service.pk, "declared_pages": pages}))
    assert line in panel.replace("\u00a0", " ")
    assert not re.search(r"(?<!\d)1 pages", panel) and "8 pages dont" not in panel


def test_one_free_page_is_singular(client, monkeypatch):
    monkeypatch.setattr(pricing, "FREE_PAGES", 1)
    service = ServiceFactory(price=200)
    panel = quote_panel(client.get(reverse("orders:quote"), {"service": service.pk, "declared_pages": 250}))
    assert "250 pages dont 1 offerte :" in panel
    assert "La première page est offerte." in text(client.get(reverse("orders:pricing")))


@pytest.mark.parametrize(("pages", "line"), [(1, "pour 1 page vérifiée."), (12, "pour 12 pages vérifiées.")])
def test_quote_sent_states_the_verified_pages_in_agreement(client, client_user, staff, make_order, pages, line):
    from orders import services

    order = make_order(service=ServiceFactory(needs_page_verification=True), declared_pages=pages)
    services.order_send_quote(order=order, verified_pages=pages, by=staff)
    client.force_login(client_user)
    assert line in text(client.get(reverse("orders:detail", args=[order.pk])))
