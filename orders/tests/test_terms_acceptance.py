"""Ordering requires accepting the CGV in force: the order records the
version accepted and when, for clients and visitors alike."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import OutboxTask
from core.outbox import outbox_task_dispatch
from core.testing import page_text, visible_text
from files.models import StoredFile
from orders import services
from orders.demo import demo_pdf
from orders.forms import order_form_submission_key
from orders.models import Order

from .fixtures import TERMS_ACCEPTED, terms_publish
from .test_visitor_and_housekeeping import ACCOUNT

pytestmark = pytest.mark.django_db

def order_data(service, **fields):
    return {"service": service.pk, "title": "Voyage", "declared_pages": 40, "submission": order_form_submission_key(),
            "manuscripts": [demo_pdf("voyage.pdf")], **fields}


def hidden_version(response):
    return re.search(r'name="terms-version" value="(\d+)"', response.content.decode()).group(1)


def test_the_form_shows_the_version_in_force_and_links_its_text(client, client_user, terms):
    client.force_login(client_user)
    response = client.get(reverse("orders:create"))
    text = page_text(response)
    assert "J'ai lu et j'accepte les conditions générales de vente (version 1)" in text
    html = response.content.decode()
    link = re.search(r'<a href="/cgv/version/1/"[^>]*>', html).group(0)
    assert 'target="_blank"' in link and "noopener" in link
    assert hidden_version(response) == "1"


def test_the_box_must_be_ticked_and_nothing_is_written_until_it_is(client, client_user, service, terms):
    client.force_login(client_user)
    response = client.post(reverse("orders:create"), order_data(service, **{"terms-version": 1}))
    assert response.status_code == 200
    assert "Cochez la case pour accepter les conditions générales de vente." in page_text(response)
    assert not Order.objects.exists() and not StoredFile.objects.exists()


def test_a_client_order_records_the_version_accepted_and_when(client, client_user, service, terms):
    client.force_login(client_user)
    before = timezone.now()
    response = client.post(reverse("orders:create"), order_data(service, **TERMS_ACCEPTED))
    order = Order.objects.get()
    assert response.status_code == 302
    assert order.terms_revision == terms and before <= order.terms_accepted_at <= timezone.now()


def test_a_newer_cgv_published_meanwhile_refuses_the_form_until_read(client, client_user, service, terms):
    client.force_login(client_user)
    client.get(reverse("orders:create"))  # the form shows version 1...
    newer = terms_publish("Article 1 — Objet (modifié).")  # ...then version 2 comes out
    response = client.post(reverse("orders:create"), order_data(service, **TERMS_ACCEPTED))
    text = page_text(response)
    assert response.status_code == 200
    assert "Nos conditions générales de vente ont changé" in text and "lisez la version 2" in text
    assert not Order.objects.exists() and not StoredFile.objects.exists()
    # Shown again with the new version, box unticked, to be accepted anew.
    assert "(version 2)" in text and hidden_version(response) == "2"
    assert not re.search(r'<input[^>]*name="terms-accept"[^>]*checked', response.content.decode())
    again = client.post(reverse("orders:create"), order_data(service, **{**TERMS_ACCEPTED, "terms-version": 2}))
    assert again.status_code == 302 and Order.objects.get().terms_revision == newer


@pytest.mark.parametrize("version", ["", "0", "7", "abc"])
def test_a_missing_or_forged_version_is_refused(client, client_user, service, terms, version):
    client.force_login(client_user)
    response = client.post(reverse("orders:create"), order_data(service, **{**TERMS_ACCEPTED, "terms-version": version}))
    assert response.status_code == 200 and not Order.objects.exists()
    assert hidden_version(response) == "1"


def test_without_published_cgv_nobody_may_order(client, client_user, service):
    client.force_login(client_user)
    closed = "La commande en ligne n'est pas encore ouverte"
    assert closed in page_text(client.get(reverse("orders:create")))
    response = client.post(reverse("orders:create"), order_data(service, **TERMS_ACCEPTED))
    assert response.status_code == 200 and closed in page_text(response)
    assert not Order.objects.exists() and not StoredFile.objects.exists()


def test_a_visitor_order_keeps_the_version_accepted_even_if_a_newer_one_comes_before_the_task(
    service, terms, django_capture_on_commit_callbacks
):
    form = order_data(service, **ACCOUNT, **TERMS_ACCEPTED)
    before = timezone.now()
    # The task runs later (a worker): version 2 comes out in between. This
    # client does not run the request's on-commit work (the dispatch).
    response = Client().post(reverse("orders:create"), form)
    assert response.status_code == 302 and not Order.objects.exists()
    accepted_by = timezone.now()
    terms_publish("Article 1 — Objet (modifié).")
    row = OutboxTask.objects.get(task="orders.tasks.complete_visitor_order")
    with django_capture_on_commit_callbacks(execute=True):
        outbox_task_dispatch(record_id=row.pk)
    order = Order.objects.get()
    assert order.terms_revision == terms and before <= order.terms_accepted_at <= accepted_by


def test_a_visitor_task_queued_before_terms_existed_still_makes_its_order(service, terms):
    """Rows queued by the previous release carry no CGV: the order is made, without one."""
    services.order_complete_for_visitor(
        submission=order_form_submission_key(),
        account={"email": "ancien@example.org", "password_hash": "!", "first_name": "Ancien", "last_name": "Client"},
        order={"service": str(service.pk), "title": "Avant", "description": "", "declared_pages": 40, "urgent": False,
               "wished_deadline": None, "client_note": ""},
        pending=[],
    )
    assert Order.objects.get().terms_revision is None


def test_the_client_reads_the_version_accepted_on_the_order_page(client, client_user, service, terms):
    client.force_login(client_user)
    client.post(reverse("orders:create"), order_data(service, **TERMS_ACCEPTED))
    order = Order.objects.get()
    response = client.get(order.get_absolute_url())
    when = timezone.localtime(order.terms_accepted_at).strftime("%d/%m/%Y %H:%M")
    assert re.search(rf"CGV acceptées version 1 ?, le {when}", visible_text(response.content.decode()))
    assert 'href="/cgv/version/1/"' in response.content.decode()


def test_staff_read_the_version_accepted_in_the_admin(client, client_user, staff, service, terms):
    order = services.order_create(client=client_user, service=service, title="Voyage", declared_pages=40,
                                  terms_revision_id=terms.pk, terms_accepted_at=timezone.now() - timedelta(days=2))
    client.force_login(staff)
    response = client.get(reverse("admin:orders_order_change", args=[order.pk]))
    when = timezone.localtime(order.terms_accepted_at).strftime("%d/%m/%Y %H:%M")
    assert re.search(rf"CGV acceptées : version 1 ?, le {when}", visible_text(response.content.decode()))
    assert 'href="/cgv/version/1/"' in response.content.decode()
    assert 'name="terms_revision"' not in response.content.decode()  # read-only


def test_the_cgv_in_force_cannot_be_deleted_once_an_order_accepted_it(client_user, service, terms):
    from django.db.models import ProtectedError

    services.order_create(client=client_user, service=service, title="Voyage", declared_pages=40,
                          terms_revision_id=terms.pk)
    with pytest.raises(ProtectedError):
        terms.delete()
