"""The visitor order form tells nothing about whether an address has an
account: not the page it answers with, not the work (so the time) the
request does. And a visitor pays only after confirming the address.

Timing is checked deterministically, as accounts/tests/test_enumeration.py
does: the same SQL shape, the same number of password hashes, of stored
files and of queued tasks for a new and a taken address. What differs (the
account and order, or the owner's warning) happens in the queued task — after
the answer, with a worker; at commit in the embedded (eager) mode."""

import re
from unittest import mock

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import UserFactory
from core.models import OutboxTask
from core.testing import page_text
from files.models import StoredFile
from orders.demo import demo_pdf
from orders.forms import order_form_submission_key
from orders.models import Order
from orders.tests.fixtures import TERMS_ACCEPTED

from .test_kept_manuscripts import pending_files

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("terms")]

PASSWORD = "Mon-Roman-Fleuve-1936"
ACCOUNT = {
    "account-first_name": "Leon", "account-last_name": "Blum", "account-phone": "06 01 02 03 04",
    "account-password1": PASSWORD, "account-password2": PASSWORD, "account-consent": "on",
}


def form_data(service, email, *, submission=None, pages=40, **fields):
    return {"service": service.pk, "title": "A la recherche", "declared_pages": pages,
            "manuscripts": [demo_pdf("roman.pdf")], "submission": submission or order_form_submission_key(),
            **ACCOUNT, "account-email": email, **TERMS_ACCEPTED, **fields}


def order_as_visitor(client, service, email, **fields):
    return client.post(reverse("orders:create"), form_data(service, email, **fields))


def sql_shape(queries):
    """The statements without their values (addresses, hashes, random keys)."""
    return [re.sub(r"'(?:[^']|'')*'|\b\d+\b|\"s\d+_x\d+\"|`s\d+_x\d+`", "?", query["sql"]) for query in queries]


def request_work(service, email, django_capture_on_commit_callbacks):
    """What the request itself does, before any queued work runs."""
    client = Client()  # does not run the on-commit work: that is what the request queues
    client.get(reverse("orders:create"))
    with (
        mock.patch.object(MD5PasswordHasher, "encode", autospec=True, side_effect=MD5PasswordHasher.encode) as hashes,
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks() as callbacks,
    ):
        response = order_as_visitor(client, service, email)
    return response, {"sql": sql_shape(queries.captured_queries), "hashes": hashes.call_count,
                      "queued": len(callbacks), "stored": len(pending_files())}, callbacks, client


def test_a_new_and_a_taken_address_cost_the_same_request(service, django_capture_on_commit_callbacks):
    owner = UserFactory(email="pris@example.org")
    new, new_work, new_callbacks, _ = request_work(service, "neuf@example.org", django_capture_on_commit_callbacks)
    taken, taken_work, taken_callbacks, _ = request_work(service, "pris@example.org", django_capture_on_commit_callbacks)

    assert new.status_code == taken.status_code == 302 and new.url == taken.url == reverse("orders:visitor_done")
    taken_work["stored"] -= new_work["stored"]  # the first request's file is still pending
    assert new_work == taken_work
    assert new_work["hashes"] == 1 and new_work["queued"] == 1 and new_work["stored"] == 1
    assert not any("neuf@example.org" in q or "pris@example.org" in q for q in new_work["sql"])
    # The request looked nothing up by address, created nothing: one outbox task each.
    assert not Order.objects.exists() and not User.objects.filter(email="neuf@example.org").exists()
    assert OutboxTask.objects.filter(task="orders.tasks.complete_visitor_order").count() == 2

    # Then the queued work: an account and an order, or the owner's warning.
    with django_capture_on_commit_callbacks(execute=True):
        for callback in [*new_callbacks, *taken_callbacks]:
            callback()
    order = Order.objects.get()
    assert order.client.email == "neuf@example.org" and not order.client.is_active
    assert order.files.get().original_name == "roman.pdf"
    assert Order.objects.filter(client=owner).count() == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["neuf@example.org", "pris@example.org"]
    warning = next(m for m in mail.outbox if m.to == ["pris@example.org"])
    assert "passer une commande" in warning.body and "/accounts/login/" in warning.body
    assert pending_files() == []  # taken by the order, or dropped
    # Done, the outbox rows keep no password hash and no personal data.
    rows = OutboxTask.objects.filter(task="orders.tasks.complete_visitor_order")
    assert all(row.status == OutboxTask.Status.DONE and row.kwargs == {} for row in rows)


def done_page(client):
    body = client.get(reverse("orders:visitor_done")).content.decode()
    return re.sub(r"\b[A-Za-z0-9]{64}\b", "CSRF-TOKEN", body)  # per browser, in the forms and htmx headers


@pytest.mark.parametrize("pages", [40, 8])  # paid, and free (10 pages or fewer)
def test_the_done_page_is_the_same_for_a_new_and_a_taken_address(client, service, pages):
    UserFactory(email="pris@example.org")
    pages_seen = []
    for email in ("neuf@example.org", "pris@example.org"):
        browser = type(client)()
        order_as_visitor(browser, service, email, pages=pages)
        pages_seen.append(done_page(browser).replace(email, "ADDRESS"))
    assert pages_seen[0] == pages_seen[1]
    text = pages_seen[0]
    assert "Payer" not in text and "existe déjà" not in text
    assert ("offerte" in text) == (pages == 8)
    assert Order.objects.count() == 1


def test_an_earlier_order_in_the_session_does_not_show_on_a_later_attempt(client, service):
    """The page once showed the session's last created order: a taken address
    (no new order) then showed the earlier one."""
    UserFactory(email="pris@example.org")
    order_as_visitor(client, service, "neuf@example.org", pages=8)  # a free order, created
    order_as_visitor(client, service, "pris@example.org", pages=40)
    text = page_text(client.get(reverse("orders:visitor_done")))
    assert "pris@example.org" in text and "neuf@example.org" not in text
    assert "offerte" not in text and "pour la régler" in text


def test_a_visitor_pays_after_confirming_the_address(client, service):
    response = order_as_visitor(client, service, "neuf@example.org")
    assert response.url == reverse("orders:visitor_done")
    order = Order.objects.get()
    # No way to pay before: the session holds no order, the checkout is 404.
    assert client.post(reverse("billing:checkout", args=[order.pk])).status_code == 404

    activation = mail.outbox[-1]
    assert activation.to == ["neuf@example.org"] and "Confirmez votre adresse" in activation.subject
    assert "réglez-la" in activation.body and "A la recherche" in activation.body
    link = re.search(r"https?://\S+/accounts/activate/\S+", activation.body).group(0)
    landed = client.get(link.split("testserver", 1)[-1])
    assert landed.status_code == 302
    assert landed.url == f"{reverse('accounts:login')}?next=%2Forders%2F{order.pk}%2F"
    logged_in = client.post(landed.url, {"username": "neuf@example.org", "password": PASSWORD})
    assert logged_in.status_code == 302 and logged_in.url == order.get_absolute_url()
    assert "Payer" in page_text(client.get(logged_in.url))
    assert client.post(reverse("billing:checkout", args=[order.pk])).status_code == 302


def test_the_activation_next_is_only_a_path_of_this_site(client):
    from accounts.tokens import make_activation_token

    user = UserFactory(is_active=False, email_verified_at=None)
    url = reverse("accounts:activate", kwargs={"token": make_activation_token(user)})
    response = client.get(url, {"next": "https://evil.example/phish"})
    assert response.status_code == 302 and response.url == reverse("accounts:login")


def test_a_free_visitor_order_is_worded_as_free_in_the_email(client, service):
    order_as_visitor(client, service, "neuf@example.org", pages=8)
    order = Order.objects.get()
    assert order.is_free and order.status == Order.Status.PAYEE
    body = mail.outbox[-1].body
    assert "offerte" in body and "réglez-la" not in body


def test_an_address_waiting_for_activation_gets_its_link_and_the_reason(client, service):
    UserFactory(email="attente@example.org", is_active=False, email_verified_at=None)
    order_as_visitor(client, service, "attente@example.org")
    assert not Order.objects.exists()
    body = mail.outbox[-1].body
    assert "/accounts/activate/" in body and "n'a pas été enregistrée" in body


# --- One order per form --------------------------------------------------------

def test_a_visitor_form_sent_twice_makes_one_order_and_one_email(client, service):
    submission = order_form_submission_key()
    first = order_as_visitor(client, service, "neuf@example.org", submission=submission)
    second = order_as_visitor(client, service, "neuf@example.org", submission=submission)
    assert first.url == second.url == reverse("orders:visitor_done")
    assert Order.objects.count() == 1 and StoredFile.objects.count() == 1
    assert [m.to for m in mail.outbox] == [["neuf@example.org"]]  # no "account exists" to the new owner
    assert pending_files() == []  # the duplicate's copy is dropped


def test_a_taken_address_sent_twice_warns_the_owner_once(client, service):
    UserFactory(email="pris@example.org")
    submission = order_form_submission_key()
    for _ in range(2):
        order_as_visitor(client, service, "pris@example.org", submission=submission)
    assert [m.to for m in mail.outbox] == [["pris@example.org"]]
    assert pending_files() == []


def test_the_task_delivered_twice_has_its_effects_once(client, service, django_capture_on_commit_callbacks):
    """At least once from the outbox (relay, broker redelivery): once in effect."""
    from core.outbox import outbox_task_dispatch

    order_as_visitor(client, service, "neuf@example.org")
    row = OutboxTask.objects.get(task="orders.tasks.complete_visitor_order")
    OutboxTask.objects.filter(pk=row.pk).update(status=OutboxTask.Status.PENDING)  # as if never marked done
    with django_capture_on_commit_callbacks(execute=True):
        outbox_task_dispatch(record_id=row.pk, force=True)
    assert Order.objects.count() == 1 and User.objects.filter(email="neuf@example.org").count() == 1
    assert [m.to for m in mail.outbox] == [["neuf@example.org"]]


def test_a_client_form_sent_twice_makes_one_order(client, client_user, service):
    client.force_login(client_user)
    data = {"service": service.pk, "title": "Voyage", "declared_pages": 40, "submission": order_form_submission_key(),
            **TERMS_ACCEPTED}
    first = client.post(reverse("orders:create"), {**data, "manuscripts": [demo_pdf("voyage.pdf")]})
    second = client.post(reverse("orders:create"), {**data, "manuscripts": [demo_pdf("voyage.pdf")]})
    order = Order.objects.get()
    assert first.url == second.url == order.get_absolute_url()
    assert StoredFile.objects.count() == 1


def test_another_client_cannot_reuse_a_used_form(client, client_user, service):
    data = {"service": service.pk, "title": "Voyage", "declared_pages": 40, "submission": order_form_submission_key(),
            **TERMS_ACCEPTED}
    client.force_login(client_user)
    client.post(reverse("orders:create"), {**data, "manuscripts": [demo_pdf("voyage.pdf")]})
    client.force_login(UserFactory())
    response = client.post(reverse("orders:create"), {**data, "manuscripts": [demo_pdf("voyage.pdf")]})
    assert response.status_code == 200 and "déjà été envoyé" in page_text(response)
    assert Order.objects.count() == 1 and StoredFile.objects.count() == 1


@pytest.mark.parametrize("submission", ["", "forged:key", None])
def test_a_missing_or_forged_key_asks_to_send_again_and_keeps_the_manuscript(client, service, submission):
    data = form_data(service, "neuf@example.org")
    if submission is None:
        del data["submission"]
    else:
        data["submission"] = submission
    response = client.post(reverse("orders:create"), data)
    text = page_text(response)
    assert response.status_code == 200 and "Ce formulaire a expiré" in text
    assert "Fichier déjà reçu : roman.pdf" in text
    fresh = re.search(r'name="submission" value="([^"]+)"', response.content.decode()).group(1)
    kept = re.search(r'name="kept_manuscripts" value="([^"]+)"', response.content.decode()).group(1)
    again = client.post(reverse("orders:create"), {**form_data(service, "neuf@example.org", submission=fresh),
                                                   "manuscripts": [], "kept_manuscripts": kept})
    assert again.status_code == 302 and Order.objects.get().files.get().original_name == "roman.pdf"


def test_the_form_renders_a_fresh_key_each_time(client):
    keys = {re.search(r'name="submission" value="([^"]+)"', client.get(reverse("orders:create")).content.decode())
            .group(1) for _ in range(2)}
    assert len(keys) == 2


def test_a_pack_verified_first_waits_for_its_quote_even_at_zero(client, client_user):
    """8 pages of a pack whose pages are verified first once failed ("Action impossible")."""
    from .factories import ServiceFactory

    service = ServiceFactory(needs_page_verification=True)
    client.force_login(client_user)
    response = client.post(reverse("orders:create"), {
        "service": service.pk, "title": "Court", "declared_pages": 8, "submission": order_form_submission_key(),
        "manuscripts": [demo_pdf("court.pdf")], **TERMS_ACCEPTED,
    })
    assert response.status_code == 302
    assert Order.objects.get().status == Order.Status.EN_ATTENTE_VERIFICATION
