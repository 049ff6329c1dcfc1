"""Every changelist exports what it shows (filters, search) to CSV and JSON,
streamed, without the secrets."""

import csv
import io
import json

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import AdminFactory, CorrectorFactory, UserFactory
from core import admin_export
from core.models import AuditLog

pytestmark = pytest.mark.django_db


def body(response):
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content).decode("utf-8")


def csv_rows(response):
    text = body(response)
    assert text.startswith("\ufeff")  # French Excel reads the accents
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


@pytest.fixture
def world(client):
    admin = AdminFactory(email="chef@staka-editions.com")
    correctors = [CorrectorFactory(email=f"correcteur{i}@staka-editions.com") for i in range(3)]
    clients = [UserFactory(email=f"auteur{i}@example.com") for i in range(4)]
    client.force_login(admin)
    return admin, correctors, clients


def export_url(fmt, model="user", app="accounts"):
    return reverse("admin:export", args=[app, model, fmt])


def test_the_csv_button_exports_exactly_the_filtered_rows_without_the_password(client, world):
    _, correctors, _ = world
    response = client.get(export_url("csv") + "?role__exact=CORRECTOR")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert "Rôle" in header  # French column names
    assert not any("passe" in h.lower() or "password" in h.lower() for h in header)
    emails = {row[header.index("Adresse e-mail")] for row in rows}
    assert emails == {c.email for c in correctors}
    assert "pbkdf2" not in body(client.get(export_url("csv")))


def test_the_json_button_keeps_the_search_and_streams_an_array(client, world):
    response = client.get(export_url("json") + "?q=auteur2")
    assert response.status_code == 200
    data = json.loads(body(response))
    assert [row["email"] for row in data] == ["auteur2@example.com"]
    assert "password" not in data[0]


def test_the_export_reads_in_bounded_chunks(client, world, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(admin_export, "CHUNK_SIZE", 3)
    response = client.get(export_url("json"))
    # 8 users in chunks of 3: 3 reads (3 + 3 + 2), each its own query.
    with django_assert_num_queries(3):
        data = json.loads(body(response))
    assert len(data) == len(world[1]) + len(world[2]) + 1
    assert len({row["id"] for row in data}) == len(data)


def test_the_changelist_shows_both_buttons_with_its_querystring(client, world):
    page = client.get(reverse("admin:accounts_user_changelist") + "?role__exact=USER").content.decode()
    assert export_url("csv") + "?role__exact=USER" in page
    assert export_url("json") + "?role__exact=USER" in page


def test_the_export_action_exports_the_ticked_rows(client, world):
    _, _, clients = world
    ticked = clients[:2]
    response = client.post(reverse("admin:accounts_user_changelist"), {
        "action": "export_csv", "_selected_action": [str(u.pk) for u in ticked],
    })
    header, *rows = csv_rows(response)
    assert len(rows) == 2
    response = client.post(reverse("admin:accounts_user_changelist"), {
        "action": "export_json", "_selected_action": [str(u.pk) for u in ticked],
    })
    assert {row["email"] for row in json.loads(body(response))} == {u.email for u in ticked}


def test_every_changelist_offers_the_export_actions(rf):
    from django.contrib import admin

    request = rf.get("/")
    request.user = AdminFactory.build(role=User.Role.ADMIN)
    for model_admin in admin.site._registry.values():
        if model_admin.actions is None:
            continue
        assert {"export_csv", "export_json"} <= set(model_admin.get_actions(request)), model_admin


def test_a_model_admin_can_keep_fields_out_of_the_export():
    from django.contrib import admin

    model_admin = admin.site._registry[User]
    names = {f.name for f in admin_export.export_fields(model_admin)}
    assert "password" not in names and "email" in names
    model_admin.export_exclude = ("phone",)
    try:
        assert "phone" not in {f.name for f in admin_export.export_fields(model_admin)}
    finally:
        del model_admin.export_exclude


def test_unknown_model_or_format_is_404_and_outsiders_are_kept_out(client, world):
    assert client.get(export_url("xml")).status_code == 404
    assert client.get(export_url("csv", model="nothing")).status_code == 404
    client.force_login(world[1][0])  # a corrector
    assert client.get(export_url("csv"), follow=True).status_code == 403  # via the admin's login
    client.logout()
    assert client.get(export_url("csv")).status_code == 302


def test_the_csv_gives_amounts_in_euros_and_the_json_the_stored_cents(client, world, paid_order):
    csv_header, *csv_rows_ = csv_rows(client.get(export_url("csv", app="orders", model="order")))
    column = next(name for name in csv_header if name.endswith("(€)") and "estim" in name.lower())
    euros = f"{paid_order.estimated_price // 100},{paid_order.estimated_price % 100:02d}"
    assert [row[csv_header.index(column)] for row in csv_rows_] == [euros]
    data = json.loads(body(client.get(export_url("json", app="orders", model="order"))))
    assert [row["estimated_price"] for row in data] == [paid_order.estimated_price]


def test_an_export_is_audited_with_who_took_which_rows(client, world):
    admin, _, _ = world
    body(client.get(export_url("csv") + "?role__exact=CORRECTOR"))
    entry = AuditLog.objects.get(action="admin.export")
    assert (entry.actor, entry.target_type, entry.severity) == (admin, "accounts.User", AuditLog.Severity.MEDIUM)
    assert entry.details == {"format": "csv", "filters": "role__exact=CORRECTOR"}
