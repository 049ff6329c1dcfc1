"""The payment step: a recap (service, pages, urgency, HT/TVA/TTC, delivery
estimate) before "Payer", and the billing address asked for — and required
by the checkout — until the profile has one; the invoice then prints it."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from billing import simulator
from billing.invoicing import invoice_render_pdf, vat_split
from billing.models import Invoice, Payment, PaymentMethod
from billing.selectors import payment_recap
from core.testing import page_text
from orders import pricing
from orders.models import Order

pytestmark = pytest.mark.django_db

ADDRESS = {
    "first_name": "Guy", "last_name": "de Maupassant", "company": "", "address": "8 rue Tombe-Issoire",
    "postcode": "76000", "city": "Rouen", "country": "France", "vat_number": "",
}


def text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page_text(response)).replace("\u202f", " ").replace("\u00a0", " "))


def payment_url(order):
    return reverse("billing:payment", args=[order.pk])


@pytest.fixture
def no_address(client_user):
    for name in ("address", "postcode", "city", "country"):
        setattr(client_user, name, "")
    client_user.save()
    return client_user


def test_the_recap_states_the_order_and_the_invoices_split(client, client_user, make_order, settings):
    settings.VAT_EXEMPT, settings.VAT_RATE = False, "20.00"
    order = make_order(declared_pages=250, urgent=True)  # 240 × 2 € = 480 €, +50 % = 720 €
    client.force_login(client_user)
    page = text(client.get(payment_url(order)))
    ht, vat = vat_split(ttc=72000, rate=Decimal("20.00"), exempt=False)
    assert (ht, vat) == (60000, 12000)
    due = pricing.due_date_for(quote=pricing.quote_for(service=order.service, pages=250, urgent=True),
                               start=timezone.localdate())
    for expected in (
        "Le Grand Meaulnes", order.service.name, "250 pages", "Urgente (+50 %)",
        "Supplément livraison urgente", "Total HT 600,00 €", "TVA 20 % 120,00 €", "Total TTC 720,00 €",
        "6 à 8 jours ouvrés", due.strftime("%d/%m/%Y"), "Payer 720,00 €",
    ):
        assert expected in page, expected
    # No saved card: no saved-card option.
    assert "carte enregistrée" not in page


def test_an_exempt_seller_shows_no_vat(client, client_user, make_order, settings):
    settings.VAT_EXEMPT = True
    order = make_order(declared_pages=60)
    client.force_login(client_user)
    page = text(client.get(payment_url(order)))
    assert "TVA non applicable, art. 293 B du CGI" in page and "Total HT 100,00 €" in page and "TVA 20" not in page


def test_the_recap_and_the_invoice_agree_to_the_cent(client, client_user, make_order, settings):
    settings.VAT_EXEMPT, settings.VAT_RATE = False, "5.50"
    order = make_order(declared_pages=137)
    recap = payment_recap(order=order)
    client.force_login(client_user)
    url = client.post(reverse("billing:checkout", args=[order.pk])).url
    client.post(url, {"outcome": "accept"})
    invoice = Invoice.objects.get(order=order)
    assert (recap.split.ht, recap.split.vat, recap.split.ttc) == (invoice.amount_ht, invoice.vat_amount, invoice.amount_ttc)
    assert recap.lines == invoice.lines
    order.refresh_from_db()
    assert order.due_date == recap.due_date


def test_without_a_billing_address_the_step_asks_for_it_and_the_checkout_refuses(client, no_address, make_order):
    order = make_order()
    client.force_login(no_address)
    page = text(client.get(payment_url(order)))
    assert "Adresse de facturation" in page and "Code postal" in page and "Payer 480" not in page
    response = client.post(reverse("billing:checkout", args=[order.pk]), follow=True)
    assert response.redirect_chain == [(payment_url(order), 302)]
    assert "Indiquez d'abord votre adresse de facturation" in text(response)
    assert not Payment.objects.exists()


def test_a_saved_card_cannot_skip_the_address_either(client, no_address, make_order):
    from .test_cards import add_card

    order = make_order()
    client.force_login(no_address)
    add_card(client)
    card = PaymentMethod.objects.get(user=no_address)
    response = client.post(reverse("billing:pay_with_card", args=[order.pk]), {"payment_method": card.pk})
    assert response.status_code == 302 and response.url == payment_url(order)
    assert not Payment.objects.exists()
    order.refresh_from_db()
    assert order.status == Order.Status.EN_ATTENTE


def test_a_wrong_address_is_refused_in_french_and_nothing_is_saved(client, no_address, make_order):
    order = make_order()
    client.force_login(no_address)
    response = client.post(payment_url(order), {**ADDRESS, "postcode": "7600", "vat_number": "FR12"})
    page = text(response)
    assert response.status_code == 200
    assert "Un code postal français compte 5 chiffres." in page
    assert "Ce numéro de TVA n'est pas valide" in page
    no_address.refresh_from_db()
    assert (no_address.address, no_address.postcode, no_address.city) == ("", "", "")
    assert not no_address.has_billing_address
    response = client.post(payment_url(order), {**ADDRESS, "city": ""})
    assert "Ce champ est obligatoire." in text(response)


def test_the_address_is_saved_on_the_profile_then_printed_on_the_invoice(client, no_address, make_order, pdf_text):
    order = make_order()
    client.force_login(no_address)
    response = client.post(payment_url(order), {**ADDRESS, "company": "Éditions Ollendorff",
                                                "vat_number": "fr 12 345678901"}, follow=True)
    page = text(response)
    assert "Votre adresse de facturation est enregistrée." in page and "Payer 480,00 €" in page
    no_address.refresh_from_db()
    assert no_address.has_billing_address and no_address.vat_number == "FR12345678901"
    assert 'value="76000"' in page_text(client.get(reverse("accounts:profile")))

    url = client.post(reverse("billing:checkout", args=[order.pk])).url
    client.post(url, {"outcome": "accept"})
    invoice = Invoice.objects.get(order=order)
    assert invoice.buyer["postcode"] == "76000" and invoice.buyer["company"] == "Éditions Ollendorff"
    with invoice_render_pdf(invoice=invoice).pdf.open("rb") as handle:
        pdf = pdf_text(handle.read())
    for expected in ("Guy de Maupassant", "Éditions Ollendorff", "8 rue Tombe-Issoire", "76000 Rouen", "France",
                     "N° de TVA du client : FR12345678901"):
        assert expected in pdf, expected


def test_the_saved_cards_are_offered_once_the_client_has_one(client, client_user, make_order):
    from .test_cards import add_card

    order = make_order()
    client.force_login(client_user)
    add_card(client)
    page = text(client.get(payment_url(order)))
    assert "Payer avec Visa •••• 4242" in page and "Payer 480,00 €" in page


def test_only_the_client_opens_the_step_and_only_while_unpaid(client, client_user, make_order):
    order = make_order()
    client.force_login(UserFactory())
    assert client.get(payment_url(order)).status_code == 404
    assert client.post(payment_url(order), ADDRESS).status_code == 404
    client.force_login(client_user)
    simulator.deliver(simulator.card_accepted_event(
        Payment.objects.get(pk=_start(client, order))))
    response = client.get(payment_url(order))
    assert response.status_code == 302 and response.url == order.get_absolute_url()


def _start(client, order):
    url = client.post(reverse("billing:checkout", args=[order.pk])).url
    return url.rstrip("/").rsplit("/", 1)[-1]
