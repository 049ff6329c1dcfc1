"""export_user_data and anonymize_user: the RGPD services, from the command line."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import AdminFactory
from core.models import AuditLog
from orders.models import Order

pytestmark = pytest.mark.django_db


def run(*args, answer=None, monkeypatch=None):
    if answer is not None:
        monkeypatch.setattr("builtins.input", lambda prompt: answer)
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_export_prints_the_services_json_and_is_audited(client_user):
    data = json.loads(run("export_user_data", client_user.email.upper()))
    assert data["account"]["email"] == client_user.email
    assert {"exported_at", "orders", "billing", "messages"} <= set(data)
    entry = AuditLog.objects.get(action="user.export")
    assert entry.target_id == str(client_user.pk)


def test_export_to_a_file_is_the_same_json_as_the_profile_download(client, client_user, tmp_path):
    client.force_login(client_user)  # first: the login is in the export
    downloaded = json.loads(client.get(reverse("accounts:export_data")).content)
    target = tmp_path / "export.json"
    run("export_user_data", client_user.email, "--output", str(target))
    from_file = json.loads(target.read_text(encoding="utf-8"))
    for export in (downloaded, from_file):
        export.pop("exported_at")
        export.pop("audit")  # each export adds its own audit entry
    assert from_file == downloaded


def test_unknown_address_is_a_french_error():
    with pytest.raises(CommandError, match="Aucun compte avec l'adresse personne@example.org"):
        run("export_user_data", "personne@example.org")


def test_anonymize_asks_and_a_no_changes_nothing(client_user, monkeypatch):
    with pytest.raises(CommandError, match="Suppression annulée"):
        run("anonymize_user", client_user.email, answer="non", monkeypatch=monkeypatch)
    client_user.refresh_from_db()
    assert client_user.anonymised_at is None and client_user.is_active


def test_anonymize_after_yes_at_the_prompt(client_user, monkeypatch):
    email = client_user.email
    out = run("anonymize_user", email, answer="oui", monkeypatch=monkeypatch)
    assert f"Compte {email} supprimé" in out
    client_user.refresh_from_db()
    assert client_user.anonymised_at is not None and client_user.email.endswith("@invalid.invalid")
    assert AuditLog.objects.filter(action="user.delete", target_id=str(client_user.pk)).exists()


def test_anonymize_with_yes_asks_nothing_and_cancels_unpaid_orders(make_order, client_user, monkeypatch):
    unpaid = make_order()
    monkeypatch.setattr("builtins.input", lambda prompt: pytest.fail("no question with --yes"))
    run("anonymize_user", client_user.email, "--yes")
    unpaid.refresh_from_db()
    assert unpaid.status == Order.Status.ANNULEE
    assert User.objects.get(pk=client_user.pk).anonymised_at is not None


def test_anonymize_refused_while_an_order_is_in_progress(paid_order, client_user):
    with pytest.raises(CommandError, match="Suppression refusée : Ce compte ne peut pas être supprimé") as refused:
        run("anonymize_user", client_user.email, "--yes")
    assert paid_order.title in str(refused.value)
    client_user.refresh_from_db()
    assert client_user.anonymised_at is None


def test_anonymize_refuses_an_admin():
    admin = AdminFactory()
    AdminFactory()  # not the last admin: the refusal is about the role itself
    with pytest.raises(CommandError, match="est administrateur"):
        run("anonymize_user", admin.email, "--yes")
    admin.refresh_from_db()
    assert admin.anonymised_at is None

