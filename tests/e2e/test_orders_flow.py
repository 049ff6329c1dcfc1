"""The core workflow in a real browser: order → (payment) → assignment →
correction → delivery → acceptance."""


import pytest

from accounts.tests.factories import AdminFactory, CorrectorFactory, UserFactory
from orders import services
from orders.demo import demo_pdf
from orders.models import Order
from orders.tests.factories import ServiceFactory

from .conftest import fill_order_form

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = demo_pdf("x.pdf").read()


def test_order_to_accepted_delivery(browser, live_server, new_page, log_in, screenshot, terms):
    ServiceFactory(name="Correction Standard", price=200)
    author = UserFactory(first_name="Anaïs")
    corrector = CorrectorFactory(first_name="Julien", last_name="Moreau")
    staff = AdminFactory()

    # The client orders a per-page correction; the price comes from the server as she types.
    client_page = new_page()
    log_in(client_page, author.email)
    client_page.goto(f"{live_server.url}/orders/new/")
    fill_order_form(client_page, title="Les Vendanges", pages=120, filename="les-vendanges.pdf", content=PDF)
    client_page.locator("#quote strong").get_by_text("220,00").wait_for()
    screenshot(client_page, "orders-01-order-form")
    client_page.get_by_role("button", name="Valider ma commande").click()
    client_page.get_by_role("heading", name="Les Vendanges").wait_for()
    client_page.get_by_text("En attente de paiement").first.wait_for()
    screenshot(client_page, "orders-02-order-created")

    order = Order.objects.get(title="Les Vendanges")
    assert order.price == 22000 and order.files.get().original_name == "les-vendanges.pdf"
    services.order_mark_paid(order=order, amount=order.price)  # billing will do this

    # Staff assign the corrector from their board.
    staff_page = new_page()
    log_in(staff_page, staff.email)
    staff_page.goto(f"{live_server.url}/staff/orders/")
    staff_page.get_by_label("Correcteur", exact=True).select_option(label="Julien Moreau (0 en cours)")
    screenshot(staff_page, "orders-03-staff-board")
    staff_page.get_by_role("button", name="Affecter").click()
    staff_page.get_by_text("Correcteur affecté.").wait_for()

    # The corrector starts, uploads the corrected file and delivers.
    corrector_page = new_page()
    log_in(corrector_page, corrector.email)
    corrector_page.get_by_role("link", name="Les Vendanges").click()
    corrector_page.get_by_role("button", name="Commencer la correction").click()
    corrector_page.get_by_text("Correction commencée.").wait_for()
    corrector_page.locator("form[action$='upload-deliverable/'] input[type=file]").set_input_files(
        files=[{"name": "les-vendanges-corrige.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    corrector_page.get_by_role("button", name="Déposer le fichier corrigé").click()
    corrector_page.get_by_text("Fichier corrigé déposé.").wait_for()
    screenshot(corrector_page, "orders-04-corrector-upload")
    corrector_page.get_by_role("button", name="Livrer au client").click()
    corrector_page.get_by_text("Livraison envoyée au client.").wait_for()

    # The client downloads the corrected file and accepts the delivery.
    client_page.reload()
    with client_page.expect_download() as download_info:
        client_page.get_by_role("link", name="les-vendanges-corrige.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "les-vendanges-corrige.pdf"
    with open(download.path(), "rb") as downloaded:
        assert downloaded.read() == PDF
    screenshot(client_page, "orders-05-delivered")
    client_page.get_by_role("button", name="Valider la livraison").click()
    client_page.get_by_text("Merci ! La commande est terminée.").wait_for()
    screenshot(client_page, "orders-06-finished")
    order.refresh_from_db()
    assert order.status == Order.Status.TERMINE
