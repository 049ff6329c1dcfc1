"""Saved cards in the browser: a client saves the 4242 test card in the
simulator, then pays an order with it from the order page."""

import re

import pytest
from django.utils import timezone

from billing.models import Invoice, PaymentMethod
from orders.models import Order

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_client_saves_a_card_then_pays_an_order_with_it(new_page, live_server, log_in, screenshot, client_user, make_order):
    order = make_order(title="La Mare au diable", declared_pages=60)
    page = new_page()
    log_in(page, client_user.email)

    page.goto(f"{live_server.url}/billing/")
    page.get_by_role("link", name="Ajouter une carte").click()
    page.get_by_role("heading", name="Ajouter une carte").wait_for()
    page.get_by_label("Numéro de carte").fill("4242 4242 4242 4242")
    page.get_by_label("Mois d'expiration").fill("12")
    page.get_by_label("Année d'expiration").fill(str(timezone.localdate().year + 2))
    screenshot(page, "cards-01-add-test-card")
    page.get_by_role("button", name="Enregistrer la carte").click()
    page.get_by_text("Votre carte Visa •••• 4242 est enregistrée.").wait_for()
    page.get_by_text("Par défaut").wait_for()
    screenshot(page, "cards-02-card-saved")
    assert PaymentMethod.objects.get(user=client_user).is_default

    page.goto(f"{live_server.url}{order.get_absolute_url()}")
    screenshot(page, "cards-03-order-page")
    page.get_by_role("link", name="Payer avec une carte enregistrée").click()
    screenshot(page, "cards-04-choose-card")
    page.get_by_role("button", name="Payer avec Visa •••• 4242").click()
    page.locator("#toasts").get_by_text(re.compile("Paiement reçu")).first.wait_for()
    page.get_by_text("Payée, en attente d'un correcteur").first.wait_for()
    screenshot(page, "cards-05-order-paid")

    order.refresh_from_db()
    assert order.status == Order.Status.PAYEE
    assert Invoice.objects.get(order=order).payment_method == "Visa •••• 4242"
