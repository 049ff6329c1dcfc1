"""A visitor whose order form comes back with an error does not lose the
manuscript already sent: it is kept server-side, checked once, named on the
form, and used when the form is sent again."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from accounts.models import User
from core.testing import page_text
from files.models import StoredFile
from orders.demo import demo_pdf
from orders.forms import order_form_submission_key
from orders.models import Order
from orders.pending_uploads import MAX_AGE, PREFIX, pending_uploads_purge
from orders.tests.fixtures import TERMS_ACCEPTED

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("terms")]

ACCOUNT = {
    "account-first_name": "Léon", "account-last_name": "Blum", "account-email": "leon@example.org",
    "account-phone": "06 01 02 03 04", "account-password1": "Mon-Roman-Fleuve-1936",
    "account-password2": "Mon-Roman-Fleuve-1936", "account-consent": "on",
}


def post(client, service, **fields):
    data = {"service": service.pk, "title": "À la recherche", "declared_pages": 40,
            "submission": order_form_submission_key(), **ACCOUNT, **TERMS_ACCEPTED, **fields}
    return client.post(reverse("orders:create"), data)


def kept_token(response):
    match = re.search(r'name="kept_manuscripts" value="([^"]+)"', response.content.decode())
    return match.group(1) if match else None


def pending_files():
    try:
        days = default_storage.listdir(PREFIX)[0]
    except FileNotFoundError:
        return []
    return [name for day in days for name in default_storage.listdir(f"{PREFIX}/{day}")[1]]


def test_the_manuscript_is_kept_when_another_field_is_wrong(client, service):
    first = post(client, service, manuscripts=[demo_pdf("roman.pdf")], **{"account-password2": "autre-chose-1234"})
    assert first.status_code == 200
    assert "Fichier déjà reçu : roman.pdf" in page_text(first)
    token = kept_token(first)
    assert token and len(pending_files()) == 1
    assert not Order.objects.exists() and not StoredFile.objects.exists()

    second = post(client, service, kept_manuscripts=token)  # no file chosen again
    assert second.status_code == 302, page_text(second)
    order = Order.objects.get(client__email="leon@example.org")
    assert list(order.files.values_list("original_name", flat=True)) == ["roman.pdf"]
    assert pending_files() == []  # the kept copy is gone once the order holds its own


def test_a_forged_or_foreign_token_is_ignored(client, service):
    response = post(client, service, kept_manuscripts="eyJrZXkiOiJ1cGxvYWRzL3gifQ:forged:sig")
    assert response.status_code == 200 and "Joignez votre manuscrit" in page_text(response)
    assert not User.objects.exists() and not Order.objects.exists()


def test_a_refused_file_is_not_kept(client, service):
    from django.core.files.uploadedfile import SimpleUploadedFile

    exe = SimpleUploadedFile("roman.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")
    response = post(client, service, manuscripts=[exe], **{"account-password2": "autre-chose-1234"})
    assert response.status_code == 200 and kept_token(response) is None and pending_files() == []


def test_abandoned_kept_files_are_purged(client, service):
    post(client, service, manuscripts=[demo_pdf("roman.pdf")], **{"account-password2": "autre-chose-1234"})
    assert pending_uploads_purge() == 0 and len(pending_files()) == 1
    # A day folder goes once its last possible file is MAX_AGE old, plus a day
    # of grace; the boundary is computed from the folder's day, not from the
    # clock, so the test holds at any hour (it failed between 0 h and 6 h UTC).
    day = datetime.strptime(default_storage.listdir(PREFIX)[0][0], "%Y%m%d").replace(tzinfo=UTC)
    purge_time = day + timedelta(days=2) + MAX_AGE
    assert pending_uploads_purge(now=purge_time - timedelta(seconds=1)) == 0
    assert pending_uploads_purge(now=purge_time) == 1
    assert pending_files() == []
