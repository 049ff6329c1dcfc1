"""Issue 9 in the browser, at 390×844 and 1366×768: the client rates a
finished order, opens "Mes fichiers" from the menu, searches and downloads;
staff read the rating on the corrector-load table. Screenshots go to
artifacts/screenshots."""

import re

import pytest
from django.urls import reverse

from messaging import services as messaging
from orders import services
from orders.demo import demo_pdf

from .test_layout_phone import LAPTOP, PHONE, check_layout

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def open_menu_link(page, viewport, name):
    if viewport is not LAPTOP:
        page.locator(".nav__toggle").click()
    page.locator(".nav").get_by_role("link", name=re.compile(f"^{name}")).click()
    page.wait_for_load_state()


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_rate_then_find_and_download_every_file(
    viewport, new_page, live_server, log_in, screenshot, delivered_order, client_user, corrector, staff
):
    width = viewport["width"]
    # A long first name: the one-line header must still fit (it overflowed by a
    # few pixels with some factory names).
    client_user.first_name = "Marie-Christine-Alexandrine"
    client_user.save(update_fields=["first_name"])
    finished = services.order_accept_delivery(order=delivered_order, by=client_user)
    conversation = messaging.conversation_for_order(order=finished)
    messaging.message_send(conversation=conversation, sender=corrector, content="Le glossaire",
                           attachments=[demo_pdf("glossaire-des-personnages-principaux-et-secondaires.pdf")])

    page = new_page()
    page.set_viewport_size(viewport)
    log_in(page, client_user.email)

    # The rating, on the order page, after acceptance.
    page.goto(f"{live_server.url}{reverse('orders:detail', args=[finished.pk])}")
    form = page.locator("#rating")
    form.get_by_role("heading", name="Votre avis sur la correction").wait_for()
    check_layout(page, viewport, "rating-form", screenshot)
    form.get_by_label("4/5").check()
    form.get_by_label("Votre commentaire (facultatif)").fill("Relecture attentive, merci.")
    form.get_by_role("button", name="Envoyer mon évaluation").click()
    page.get_by_text("Merci pour votre évaluation").first.wait_for()
    assert page.locator("#rating").get_by_text("4/5").is_visible()
    assert page.get_by_role("button", name="Envoyer mon évaluation").count() == 0
    check_layout(page, viewport, "rating-given", screenshot)

    # "Mes fichiers" from the menu: every file, searchable, downloadable.
    open_menu_link(page, viewport, "Mes fichiers")
    page.get_by_role("heading", name="Mes fichiers").wait_for()
    rows = page.locator(".file-row")
    assert rows.count() == 3  # manuscript, corrected file, attachment
    check_layout(page, viewport, "files", screenshot)
    if viewport is LAPTOP:
        # The client's links, "Mes fichiers" included, hold on one line down to 1 200 px.
        for width_now in (1366, 1200):
            page.set_viewport_size({"width": width_now, "height": 768})
            header = page.locator(".site-header").bounding_box()["height"]
            assert header <= 80, f"the header wraps at {width_now} px ({header} px)"
            assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        page.set_viewport_size(viewport)
    page.get_by_label("Rechercher un fichier").fill("glossaire")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_load_state()
    assert rows.count() == 1
    with page.expect_download() as download:
        rows.first.get_by_role("link", name=re.compile("^glossaire")).click()
    assert download.value.suggested_filename.startswith("glossaire")
    check_layout(page, viewport, "files-search", screenshot)

    # Staff read it per corrector.
    board = new_page()
    board.set_viewport_size(viewport)
    log_in(board, staff.email)
    board.goto(f"{live_server.url}{reverse('orders:staff_board')}")
    board.get_by_text("4/5 (1 avis)").wait_for()  # a cell, or a card's line on phones
    assert board.get_by_text("4/5 (1 avis)").count() == 1
    if viewport is LAPTOP:
        assert board.get_by_role("columnheader", name="Avis clients").is_visible()
    screenshot(board, f"layout-staff-board-ratings-{width}")
    if viewport is LAPTOP:
        # On phones the table becomes cards (helper "tables"); at 1366 px nothing overflows.
        assert board.evaluate("document.documentElement.scrollWidth <= innerWidth")
