"""Paying in the browser: a visitor orders, confirms the address, logs in,
pays in the simulator, sees the order paid and downloads the invoice; a
declined card keeps the order payable."""

import re
import subprocess

import pytest

from billing.models import Invoice
from orders.demo import demo_pdf
from orders.models import Order
from orders.tests.factories import ServiceFactory

from .conftest import fill_order_form

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = demo_pdf("x.pdf").read()


def order_as_visitor(page, live_server, email):
    page.goto(f"{live_server.url}/orders/new/")
    fill_order_form(page, title="Le Horla", pages=60, filename="le-horla.pdf", content=PDF)
    page.get_by_label("Prénom").fill("Guy")
    page.get_by_role("textbox", name="Nom", exact=True).fill("de Maupassant")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Téléphone").fill("06 10 20 30 40")
    page.get_by_label(re.compile(r"^Mot de passe")).fill("Bel-Ami-Boule-de-Suif-1880")
    page.get_by_label("Confirmation du mot de passe").fill("Bel-Ami-Boule-de-Suif-1880")
    page.get_by_label(re.compile("J'accepte que Staka Livres")).check()
    page.get_by_role("button", name="Valider ma commande").click()
    page.get_by_role("heading", name=re.compile("confirmez votre adresse")).wait_for()


def test_visitor_confirms_the_address_then_pays_and_downloads_the_invoice(
    new_page, live_server, log_in, outbox, screenshot, tmp_path, terms
):
    ServiceFactory(name="Correction Standard", price=200)
    page = new_page()
    order_as_visitor(page, live_server, "guy@example.org")
    # The same page whether the address had an account or not: nothing to pay here.
    assert page.get_by_role("button", name=re.compile("Payer")).count() == 0
    page.get_by_text("guy@example.org").first.wait_for()
    # The recap of what was typed: service, pages, price, delay.
    recap = page.get_by_role("region", name="Votre commande")
    for expected in ("Le Horla", "Correction Standard", "60 pages", "100,00", "10 à 12 jours ouvrés"):
        recap.get_by_text(expected).first.wait_for()
    screenshot(page, "billing-01-visitor-order-done")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "billing-01-visitor-order-done-phone")
    page.set_viewport_size({"width": 1366, "height": 900})

    # The e-mail: confirm the address, then pay. Its link leads to the order once logged in.
    activation_mail = next(m for m in reversed(outbox) if "/accounts/activate/" in m.body)
    assert "réglez-la" in activation_mail.body
    assert "Correction Standard" in activation_mail.body and "100,00" in activation_mail.body
    link = re.search(r"https?://\S+/accounts/activate/\S+", activation_mail.body).group(0)
    page.goto(link)
    page.get_by_label("Mot de passe").fill("Bel-Ami-Boule-de-Suif-1880")
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", name="Le Horla").wait_for()
    screenshot(page, "billing-02-visitor-order-to-pay")
    page.get_by_role("link", name=re.compile("^Payer 100")).click()

    # The payment step: the recap, then the billing address (none yet), then "Payer".
    page.get_by_role("heading", name="Récapitulatif et paiement").wait_for()
    recap = page.get_by_role("region", name="Votre commande")
    for expected in ("Total HT", "Total TTC", "100,00", "10 à 12 jours ouvrés"):
        recap.get_by_text(expected).first.wait_for()
    assert page.get_by_role("button", name=re.compile("^Payer")).count() == 0
    for width, height in ((390, 844), (1366, 768)):
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, f"billing-02-payment-step-address-{width}")
    page.get_by_label("Adresse (numéro et voie)").fill("27 rue Dumont-d'Urville")
    page.get_by_label("Code postal").fill("7600")
    page.get_by_label("Ville").fill("Rouen")
    page.get_by_role("button", name="Enregistrer l'adresse").click()
    page.get_by_text("Un code postal français compte 5 chiffres.").first.wait_for()
    page.get_by_label("Code postal").fill("76000")
    page.get_by_label(re.compile("Société")).fill("Éditions Havard")
    page.get_by_role("button", name="Enregistrer l'adresse").click()
    page.get_by_text("Votre adresse de facturation est enregistrée.").first.wait_for()
    page.get_by_text("76000 Rouen").wait_for()
    assert page.get_by_role("button", name=re.compile("carte enregistrée|Payer avec")).count() == 0  # no saved card
    for width, height in ((390, 844), (1366, 768)):
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, f"billing-02-payment-step-recap-{width}")
    page.get_by_role("button", name="Payer 100,00 €").click()
    page.get_by_role("heading", name="Paiement sécurisé").wait_for()
    screenshot(page, "billing-02-simulator")
    page.get_by_role("button", name=re.compile("^Payer")).click()
    page.get_by_text(re.compile("Paiement reçu, merci|paiement est en cours de confirmation")).first.wait_for()

    order = Order.objects.get(title="Le Horla")
    assert order.status == Order.Status.PAYEE and order.amount == 10000
    invoice = Invoice.objects.get(order=order)
    page.goto(f"{live_server.url}{order.get_absolute_url()}")
    page.get_by_text("Payée, en attente d'un correcteur").first.wait_for()
    screenshot(page, "billing-03-order-paid")

    page.goto(f"{live_server.url}/billing/")
    page.get_by_text(invoice.number).wait_for()
    screenshot(page, "billing-04-invoices")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="PDF").first.click()
    target = tmp_path / "facture.pdf"
    download_info.value.save_as(target)
    text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True, check=True).stdout
    assert invoice.number in text and "Maupassant" in text
    for expected in ("Éditions Havard", "27 rue Dumont-d'Urville", "76000 Rouen", "France"):
        assert expected in text, expected


def test_declined_card_keeps_the_order_payable(new_page, live_server, log_in, screenshot, terms):
    from accounts.tests.factories import UserFactory

    ServiceFactory(name="Correction Standard", price=200)
    author = UserFactory()
    page = new_page()
    log_in(page, author.email)
    page.goto(f"{live_server.url}/orders/new/")
    fill_order_form(page, title="Pierre et Jean", pages=30, filename="pj.pdf", content=PDF)
    page.get_by_role("button", name="Valider ma commande").click()
    page.get_by_role("link", name=re.compile(r"^Payer \d")).click()
    page.get_by_role("button", name=re.compile("^Payer")).click()
    page.get_by_role("button", name="Simuler une carte refusée").click()
    page.get_by_text("Votre carte a été refusée.").first.wait_for()
    screenshot(page, "billing-05-declined")
    order = Order.objects.get(title="Pierre et Jean")
    assert order.status == Order.Status.EN_ATTENTE
    assert page.get_by_role("link", name=re.compile(r"^Payer \d")).count() == 1
