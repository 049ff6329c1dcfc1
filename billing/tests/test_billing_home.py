""""Mes factures" (/billing/): invoices by keyset pages, yearly spending over
all of them, few queries whatever the number of invoices (issue 13)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice
from billing.payments import payment_refund
from core.testing import page_text

from .factories import InvoiceFactory, PaidOrderFactory, PaymentFactory

pytestmark = pytest.mark.django_db


def invoices_for(buyer, n, *, issued_at=None):
    invoices = [InvoiceFactory(order=PaidOrderFactory(client=buyer, title=f"Livre {i:02d}")) for i in range(n)]
    if issued_at is not None:  # all on the same instant: the pages must still split them right
        Invoice.objects.filter(pk__in=[invoice.pk for invoice in invoices]).update(issued_at=issued_at)
    return invoices


def home(client, query=""):
    return client.get(reverse("billing:home") + query)


def test_invoices_by_pages_each_once_and_the_year_counts_them_all(client, buyer):
    invoices = invoices_for(buyer, 23, issued_at=timezone.now())
    client.force_login(buyer)
    first = home(client)
    assert len(first.context["invoices"]) == 20 and first.context["invoices"].has_next()
    second = home(client, first.context["invoices"].next_url.split("#")[0])
    assert len(second.context["invoices"]) == 3 and not second.context["invoices"].has_next()
    shown = [i.pk for i in first.context["invoices"]] + [i.pk for i in second.context["invoices"]]
    assert sorted(shown) == sorted(invoice.pk for invoice in invoices)
    # The spending is every invoice's, not the page's.
    total = sum(invoice.amount_ttc for invoice in invoices)
    assert [row["total"] for row in second.context["yearly"]] == [total]
    assert "Précédents" in page_text(second)


def test_a_client_without_invoices_costs_four_queries(client, buyer, django_assert_max_num_queries):
    PaidOrderFactory(client=buyer, status="EN_ATTENTE", title="À régler")
    client.force_login(buyer)
    # The session (unless cached), the user, the invoices' page, the orders to pay, the cards.
    with django_assert_max_num_queries(5):
        response = home(client)
    assert "À régler" in page_text(response) and "Aucune facture pour le moment." in page_text(response)
    assert response.context["yearly"] == [] and response.context["credit_notes"] == []


def test_queries_for_1_and_30_invoices_with_credit_notes(
    client, buyer, staff_user, django_assert_max_num_queries, django_assert_num_queries
):
    invoices_for(buyer, 1)
    client.force_login(buyer)
    # The session (unless cached), the user, the invoices' page, the credit notes, the orders to pay, the cards.
    with django_assert_max_num_queries(6) as few:
        home(client)
    invoices_for(buyer, 29)
    payment = PaymentFactory(order=PaidOrderFactory(client=buyer, title="Remboursé"))
    InvoiceFactory(order=payment.order, payment=payment)
    payment_refund(payment=payment, amount=1000, by=staff_user)
    # More than a page: the database sums the years (one query more), whatever the number of invoices.
    with django_assert_num_queries(len(few.captured_queries) + 1):
        response = home(client)
    assert len(response.context["credit_notes"]) == 1
    total = sum(Invoice.objects.values_list("amount_ttc", flat=True)) - 1000
    assert [row["total"] for row in response.context["yearly"]] == [total]


def test_only_the_clients_own_invoices(client, buyer, other_client):
    invoices_for(other_client, 2)
    mine = invoices_for(buyer, 1)
    client.force_login(buyer)
    assert [i.pk for i in home(client).context["invoices"]] == [mine[0].pk]


def test_yearly_spending_by_paris_year(client, buyer):
    # Issued on the 31st of December at 23:30 in Paris: that year, not the next (UTC) one.
    invoice = invoices_for(buyer, 1)[0]
    paris_new_year = datetime(2025, 12, 31, 22, 30, tzinfo=UTC)
    Invoice.objects.filter(pk=invoice.pk).update(issued_at=paris_new_year)
    invoices_for(buyer, 1, issued_at=paris_new_year + timedelta(hours=1))
    client.force_login(buyer)
    assert [row["year"] for row in home(client).context["yearly"]] == [2026, 2025]


# --- The usual visit from the cache (billing.overview_cache) -----------------------

def billing_tables_read(queries):
    return [query["sql"] for query in queries.captured_queries
            if any(table in query["sql"] for table in ("billing_", "orders_order"))]


def test_the_usual_visit_reads_no_billing_table_after_the_first(client, buyer, django_assert_max_num_queries):
    invoices_for(buyer, 2)
    client.force_login(buyer)
    home(client)
    with django_assert_max_num_queries(1) as queries:  # the session, where it is not in Redis
        response = home(client)
    assert billing_tables_read(queries) == [] and len(response.context["invoices"]) == 2


def test_a_new_invoice_an_order_to_pay_and_a_credit_note_show_at_once(client, buyer, staff_user):
    invoices_for(buyer, 1)
    client.force_login(buyer)
    home(client)
    PaidOrderFactory(client=buyer, status="EN_ATTENTE", title="Tout neuf à régler")
    payment = PaymentFactory(order=PaidOrderFactory(client=buyer, title="Remboursé"))
    InvoiceFactory(order=payment.order, payment=payment)
    payment_refund(payment=payment, amount=1000, by=staff_user)
    response = home(client)
    assert "Tout neuf à régler" in page_text(response)
    assert len(response.context["invoices"]) == 2 and len(response.context["credit_notes"]) == 1


def test_invoices_marked_overdue_show_it_at_once(client, buyer):
    from billing.invoicing import invoices_mark_overdue

    invoice = invoices_for(buyer, 1)[0]
    client.force_login(buyer)
    assert [i.status for i in home(client).context["invoices"]] == [invoice.status]
    assert invoices_mark_overdue(now=invoice.due_at + timedelta(days=1)) == 1
    assert [i.status for i in home(client).context["invoices"]] == [Invoice.Status.OVERDUE]
