"""Invoice and credit-note numbers: one continuous series per prefix and
calendar year (Paris time), no gap, no duplicate, even under concurrency."""

from datetime import UTC, datetime

import pytest
from django.db import transaction

from billing.invoicing import credit_note_issue, invoice_issue_for_order, next_document_number, paris_year
from billing.models import CreditNote, DocumentCounter, Invoice
from core.testing import run_in_threads, server_database_only
from orders.tests.factories import ServiceFactory

from .factories import BuyerFactory, PaidOrderFactory


def allocate(prefix, issued_at):
    with transaction.atomic():
        return next_document_number(prefix=prefix, issued_at=issued_at)


@pytest.mark.django_db
def test_numbers_follow_each_other_from_0001():
    issued_at = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert [allocate("FACT", issued_at) for _ in range(3)] == ["FACT-2026-0001", "FACT-2026-0002", "FACT-2026-0003"]


@pytest.mark.django_db
def test_a_new_year_restarts_at_0001_and_the_old_one_continues():
    assert allocate("FACT", datetime(2026, 6, 1, tzinfo=UTC)) == "FACT-2026-0001"
    assert allocate("FACT", datetime(2026, 6, 2, tzinfo=UTC)) == "FACT-2026-0002"
    assert allocate("FACT", datetime(2027, 1, 5, tzinfo=UTC)) == "FACT-2027-0001"
    # A late 2026 document (issued_at in 2026) continues the 2026 series.
    assert allocate("FACT", datetime(2026, 12, 31, 12, tzinfo=UTC)) == "FACT-2026-0003"


@pytest.mark.django_db
def test_the_year_is_the_paris_year():
    # 31/12/2026 23:30 UTC is already 01/01/2027 00:30 in Paris.
    assert allocate("FACT", datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "FACT-2027-0001"


@pytest.mark.django_db
def test_credit_notes_have_their_own_series():
    issued_at = datetime(2026, 5, 1, tzinfo=UTC)
    assert allocate("FACT", issued_at) == "FACT-2026-0001"
    assert allocate("AVOIR", issued_at) == "AVOIR-2026-0001"
    assert allocate("FACT", issued_at) == "FACT-2026-0002"
    assert allocate("AVOIR", issued_at) == "AVOIR-2026-0002"


@pytest.mark.django_db
def test_more_than_9999_documents_get_more_digits():
    DocumentCounter.objects.create(prefix="FACT", year=2026, last_number=9999)
    assert allocate("FACT", datetime(2026, 5, 1, tzinfo=UTC)) == "FACT-2026-10000"


@pytest.mark.django_db
def test_a_rolled_back_document_gives_its_number_back():
    issued_at = datetime(2026, 5, 1, tzinfo=UTC)
    allocate("FACT", issued_at)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert next_document_number(prefix="FACT", issued_at=issued_at) == "FACT-2026-0002"
        raise RuntimeError("the invoice could not be saved")
    assert allocate("FACT", issued_at) == "FACT-2026-0002"


@pytest.mark.django_db(transaction=True)
def test_numbering_outside_a_transaction_is_a_programming_error():
    # The lock would be released at once: the number must be taken by the
    # transaction that saves the document.
    with pytest.raises(RuntimeError):
        next_document_number(prefix="FACT", issued_at=datetime(2026, 5, 1, tzinfo=UTC))


@pytest.mark.django_db
def test_services_number_invoices_and_credit_notes_in_sequence():
    orders = PaidOrderFactory.create_batch(3, client=BuyerFactory(), service=ServiceFactory())
    invoices = [invoice_issue_for_order(order=order) for order in orders]
    year = paris_year(invoices[0].issued_at)
    assert [i.number for i in invoices] == [f"FACT-{year}-0001", f"FACT-{year}-0002", f"FACT-{year}-0003"]
    note = credit_note_issue(invoice=invoices[1], amount_ttc=1000)
    assert note.number == f"AVOIR-{year}-0001"
    assert invoices[0].issued_at <= invoices[1].issued_at <= invoices[2].issued_at  # dates follow numbers


# --- Real concurrency (MariaDB) ------------------------------------------------

@server_database_only
@pytest.mark.django_db(transaction=True)
def test_200_invoices_issued_concurrently_are_numbered_0001_to_0200():
    client, service = BuyerFactory(), ServiceFactory()
    orders = PaidOrderFactory.create_batch(200, client=client, service=service)

    # 40 threads, so 40 connections at once: MariaDB's default max_connections
    # is 151, and 40 already keeps every one of them waiting on the counter.
    numbers, errors = run_in_threads(
        orders, lambda order: invoice_issue_for_order(order=order).number, threads=40
    )

    assert errors == []
    year = paris_year(Invoice.objects.first().issued_at)
    expected = [f"FACT-{year}-{n:04d}" for n in range(1, 201)]
    assert sorted(numbers) == expected
    assert sorted(Invoice.objects.values_list("number", flat=True)) == expected
    assert DocumentCounter.objects.get(prefix="FACT", year=year).last_number == 200
    # Chronological: sorted by number, the issue dates never go backwards.
    dates = [i.issued_at for i in Invoice.objects.order_by("number")]
    assert dates == sorted(dates)


@server_database_only
@pytest.mark.django_db(transaction=True)
def test_one_order_issued_from_many_threads_gets_one_invoice():
    order = PaidOrderFactory()

    numbers, errors = run_in_threads(range(12), lambda _: invoice_issue_for_order(order=order).number, threads=12)

    assert errors == []
    assert Invoice.objects.count() == 1
    assert set(numbers) == {Invoice.objects.get().number}
    assert DocumentCounter.objects.get(prefix="FACT").last_number == 1  # no number lost


@server_database_only
@pytest.mark.django_db(transaction=True)
def test_one_refund_reported_from_many_threads_gets_one_credit_note():
    invoice = invoice_issue_for_order(order=PaidOrderFactory())

    numbers, errors = run_in_threads(
        range(8),
        lambda _: credit_note_issue(invoice=invoice, amount_ttc=5000, refund_id="re_concurrent").number,
        threads=8,
    )

    assert errors == []
    assert CreditNote.objects.count() == 1
    assert set(numbers) == {CreditNote.objects.get().number}
    assert DocumentCounter.objects.get(prefix="AVOIR").last_number == 1
