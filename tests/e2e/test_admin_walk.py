"""The back office as Prisma Studio: an admin walks user → order → invoice →
the order's conversation by clicks (no id typed), then exports the orders to
CSV (issue 11)."""

import csv
import io

import pytest

from billing.invoicing import invoice_issue_for_order
from messaging import services as messaging

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_walks_the_graph_and_exports_the_orders(page, live_server, log_in, staff, paid_order, screenshot):
    invoice = invoice_issue_for_order(order=paid_order)
    conversation = messaging.conversation_for_order(order=paid_order)
    messaging.message_send(conversation=conversation, sender=paid_order.client, content="Bonjour, une question.")
    log_in(page, staff.email)

    page.goto(f"{live_server.url}/admin/accounts/user/{paid_order.client.pk}/change/")
    screenshot(page, "admin-walk-user")
    page.get_by_role("link", name="Commandes (client) (1)").click()
    page.get_by_role("link", name=paid_order.title).click()
    assert f"/admin/orders/order/{paid_order.pk}/change/" in page.url

    page.get_by_role("link", name="Factures (1)").click()
    page.get_by_role("link", name=invoice.number).click()
    assert f"/admin/billing/invoice/{invoice.pk}/" in page.url
    screenshot(page, "admin-walk-invoice")

    page.locator(".field-order a").first.click()  # back to the invoice's order
    page.get_by_role("link", name="Conversation (1)").click()
    page.get_by_role("link", name=conversation.subject).click()
    # Waits for the page to be there: reading at once may catch it half-parsed.
    page.locator("#content").get_by_text("Bonjour, une question.").wait_for()

    page.goto(f"{live_server.url}/admin/orders/order/?status__exact=PAYEE")
    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter en CSV").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert [row[header.index("Titre")] for row in rows] == [paid_order.title]  # the filtered rows only
