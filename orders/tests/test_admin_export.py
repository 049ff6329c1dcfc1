"""The orders' CSV export (core.admin_export through OrderAdmin): streamed,
the client, corrector and service by name, and a cost in queries that follows
the chunks of rows, never the rows."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import CorrectorFactory, UserFactory
from core import admin_export
from orders.models import Order

from .factories import ServiceFactory

pytestmark = pytest.mark.django_db
CHUNK = 5
EXPORT_URL = reverse("admin:export", args=["orders", "order", "csv"])


def make_orders(count):
    """count orders, each with its own client, corrector and service."""
    return Order.objects.bulk_create(
        Order(client=UserFactory(), corrector=CorrectorFactory(), service=ServiceFactory(), title=f"Roman {n}")
        for n in range(count)
    )


def export(client):
    """The rows of the CSV, and the queries of the whole request, body included."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(EXPORT_URL)
        assert isinstance(response, StreamingHttpResponse)  # never the whole file in memory
        text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    header, *rows = csv.reader(io.StringIO(text[1:]), delimiter=";")
    return [dict(zip(header, row, strict=True)) for row in rows], len(queries)


@pytest.fixture
def logged_in(client, staff, monkeypatch):
    monkeypatch.setattr(admin_export, "CHUNK_SIZE", CHUNK)
    client.force_login(staff)
    return client


def test_the_csv_names_the_client_the_corrector_and_the_service(logged_in):
    order, = make_orders(1)
    Order.objects.bulk_create([Order(client=order.client, service=None, title="Sans service ni correcteur")])
    rows, _queries = export(logged_in)
    by_title = {row["Titre"]: row for row in rows}
    assert by_title["Roman 0"]["Client"] == order.client.email
    assert by_title["Roman 0"]["Correcteur"] == order.corrector.email
    assert by_title["Roman 0"]["Service"] == order.service.name
    assert by_title["Sans service ni correcteur"]["Correcteur"] == ""
    assert by_title["Sans service ni correcteur"]["Service"] == ""


def test_the_csv_writes_paris_times_and_oui_non(logged_in):
    order, = make_orders(1)
    # 22:30 UTC on 1 July is 00:30 the next day in Paris (summer time).
    Order.objects.filter(pk=order.pk).update(created_at=datetime(2026, 7, 1, 22, 30, tzinfo=UTC), urgent=True)
    (row,), _queries = export(logged_in)
    assert row["Créée le"] == "02/07/2026 00:30:00"
    assert row["Livraison urgente"] == "oui"


def test_the_queries_follow_the_chunks_not_the_rows(logged_in):
    make_orders(1)
    rows, one_row = export(logged_in)
    assert len(rows) == 1
    make_orders(CHUNK - 2)
    rows, full_chunk = export(logged_in)
    assert len(rows) == CHUNK - 1
    assert full_chunk == one_row  # every row has its own client, corrector and service
    make_orders(2)
    rows, two_chunks = export(logged_in)
    assert len(rows) == CHUNK + 1
    # The second chunk: its orders, their users (clients and correctors at once), their services.
    assert two_chunks == one_row + 3
