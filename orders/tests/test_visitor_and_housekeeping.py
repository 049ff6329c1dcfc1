import os
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from core.testing import page_text
from files.models import StoredFile
from orders import services
from orders.demo import demo_pdf
from orders.forms import order_form_submission_key
from orders.models import Order
from orders.tests.fixtures import TERMS_ACCEPTED

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("terms")]

ACCOUNT = {
    "account-first_name": "Léon", "account-last_name": "Blum", "account-email": "leon@example.org",
    "account-phone": "06 01 02 03 04", "account-password1": "Mon-Roman-Fleuve-1936",
    "account-password2": "Mon-Roman-Fleuve-1936", "account-consent": "on",
}


def visitor_post(client, service, **overrides):
    data = {"service": service.pk, "title": "À la recherche", "declared_pages": 40,
            "manuscripts": [demo_pdf("roman.pdf")], "submission": order_form_submission_key(), **ACCOUNT, **TERMS_ACCEPTED, **overrides}
    return client.post(reverse("orders:create"), data)


def test_visitor_orders_and_gets_an_inactive_account(client, service):
    response = visitor_post(client, service)
    assert response.status_code == 302 and response.url == reverse("orders:visitor_done")
    user = User.objects.get(email="leon@example.org")
    assert not user.is_active and user.phone == "06 01 02 03 04"
    order = Order.objects.get(client=user)
    assert order.status == Order.Status.EN_ATTENTE and order.price == 6000
    assert order.files.count() == 1
    assert mail.outbox[-1].to == ["leon@example.org"] and "/accounts/activate/" in mail.outbox[-1].body
    assert "leon@example.org" in page_text(client.get(response.url))


def test_visitor_with_an_existing_account_is_not_told_so_and_the_owner_is_emailed(client, service):
    owner = UserFactory(email="leon@example.org")
    response = visitor_post(client, service)
    # The same redirect as a new visitor; the page does not say the address is taken.
    assert response.status_code == 302 and response.url == reverse("orders:visitor_done")
    page = page_text(client.get(response.url))
    assert "existe déjà" not in page and "leon@example.org" in page
    # Nothing is stored in the owner's account; the owner is told to log in and order.
    assert not Order.objects.exists() and not StoredFile.objects.exists()
    assert User.objects.filter(email="leon@example.org").get() == owner
    assert [m.to for m in mail.outbox] == [["leon@example.org"]]
    assert "passer une commande" in mail.outbox[0].body and "/accounts/login/" in mail.outbox[0].body


def test_visitor_must_give_a_phone(client, service):
    response = visitor_post(client, service, **{"account-phone": ""})
    assert response.status_code == 200
    assert not User.objects.filter(email="leon@example.org").exists()


def test_correctors_cannot_order(client, corrector, service):
    client.force_login(corrector)
    assert client.get(reverse("orders:create")).status_code == 403


def test_abandoned_visitor_orders_are_purged_with_their_files(
    client, service, make_order, django_capture_on_commit_callbacks
):
    visitor_post(client, service)
    abandoned = Order.objects.get(client__email="leon@example.org")
    stored = abandoned.files.get()
    path = stored.file.path
    kept = make_order(title="Client actif")
    Order.objects.update(created_at=timezone.now() - timedelta(days=8))

    with django_capture_on_commit_callbacks(execute=True):
        assert services.orders_purge_abandoned() == 1
    assert not Order.objects.filter(pk=abandoned.pk).exists()
    assert not User.objects.filter(email="leon@example.org").exists()
    assert not StoredFile.objects.filter(pk=stored.pk).exists()
    assert not os.path.exists(path)
    assert Order.objects.filter(pk=kept.pk).exists()
    assert services.orders_purge_abandoned() == 0


def test_recent_or_activated_visitor_orders_stay(client, service):
    visitor_post(client, service)
    Order.objects.update(created_at=timezone.now() - timedelta(days=6))
    assert services.orders_purge_abandoned() == 0
    User.objects.filter(email="leon@example.org").update(is_active=True, email_verified_at=timezone.now())
    Order.objects.update(created_at=timezone.now() - timedelta(days=30))
    assert services.orders_purge_abandoned() == 0


def test_files_of_long_finished_orders_are_erased_but_listed(
    delivered_order, client_user, django_capture_on_commit_callbacks
):
    order = services.order_accept_delivery(order=delivered_order, by=client_user)
    Order.objects.filter(pk=order.pk).update(finished_at=timezone.now() - timedelta(days=91))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_order_files", "--days", "90")
    files = list(order.files.all())
    assert len(files) == 2
    for stored in files:
        assert stored.content_purged_at is not None
        assert not stored.file.storage.exists(stored.file.name)
    assert services.orders_purge_old_files(days=90) == 0


def test_finish_command_accepts_old_deliveries(delivered_order):
    Order.objects.filter(pk=delivered_order.pk).update(delivered_at=timezone.now() - timedelta(days=8))
    call_command("finish_delivered_orders")
    delivered_order.refresh_from_db()
    assert delivered_order.status == Order.Status.TERMINE


def test_a_visitors_manuscripts_fit_a_small_quota_until_activation(client, service, settings, make_order):
    """Unverified accounts (10 an hour per IP, kept 7 days) cannot each store a gigabyte."""
    settings.UNVERIFIED_STORAGE_QUOTA_BYTES = 300  # one 193-byte demo PDF fits, two do not
    response = visitor_post(client, service, manuscripts=[demo_pdf("un.pdf"), demo_pdf("deux.pdf")])
    assert response.status_code == 200
    assert "Avant l'activation de votre compte, vos manuscrits ne peuvent dépasser 300 octets" in page_text(response)
    assert not User.objects.filter(email="leon@example.org").exists()
    assert not Order.objects.exists() and not StoredFile.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))

    assert visitor_post(client, service, manuscripts=[demo_pdf("un.pdf")]).status_code == 302
    # Active clients keep the normal quota.
    assert make_order(manuscripts=[demo_pdf("un.pdf"), demo_pdf("deux.pdf")]).files.count() == 2
