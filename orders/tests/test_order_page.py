"""Issue 9, the order page: corrected files appear at delivery, a paid order
keeps its manuscript, the badge says a corrector is named, the Actions card
shows only with an action, the saved-card offer only with a saved card, no
progress bar before payment."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from billing.models import PaymentMethod
from core.testing import page_text
from files.models import StoredFile
from orders import selectors, services
from orders.demo import demo_pdf
from orders.models import Order, OrderEvent
from orders.services import OrderError

pytestmark = pytest.mark.django_db
S = Order.Status


def badge(label):
    return f'<span class="badge badge--info">{escape(label)}</span>'


def _download(client, order, stored_file):
    return client.get(reverse("orders:file_download", args=[order.pk, stored_file.pk]))


# --- 1. Corrected files appear at delivery ------------------------------------------

def test_a_corrected_file_stays_hidden_from_the_client_until_delivery(client, working_order, client_user, corrector,
                                                                      staff):
    deliverable = services.order_add_deliverable(order=working_order, uploaded_file=demo_pdf("corrige.pdf"),
                                                 by=corrector)
    client.force_login(client_user)
    page = client.get(reverse("orders:detail", args=[working_order.pk]))
    assert "corrige.pdf" not in page_text(page)
    assert _download(client, working_order, deliverable).status_code == 404  # not only the link: the file
    for insider in (corrector, staff):
        client.force_login(insider)
        assert "corrige.pdf" in page_text(client.get(reverse("orders:detail", args=[working_order.pk])))
        assert _download(client, working_order, deliverable).status_code == 200

    order = services.order_deliver(order=working_order, by=corrector)
    client.force_login(client_user)
    assert "corrige.pdf" in page_text(client.get(reverse("orders:detail", args=[order.pk])))
    assert _download(client, order, deliverable).status_code == 200


def test_after_a_revision_request_only_the_new_files_wait_for_the_next_delivery(client, delivered_order,
                                                                                 client_user, corrector):
    first = delivered_order.files.get(role=StoredFile.Role.DELIVERABLE)
    order = services.order_request_revision(order=delivered_order, by=client_user, comment="Chapitre 3")
    second = services.order_add_deliverable(order=order, uploaded_file=demo_pdf("corrige-v2.pdf"), by=corrector)
    client.force_login(client_user)
    assert _download(client, order, first).status_code == 200
    assert _download(client, order, second).status_code == 404
    visible = selectors.order_files(order=order, user=client_user)["deliverables"]
    assert [f.original_name for f in visible] == ["corrige.pdf"]
    # The corrector sees which file the client does not have yet.
    client.force_login(corrector)
    assert "Pas encore livré au client" in page_text(client.get(reverse("orders:detail", args=[order.pk])))

    services.order_deliver(order=order, by=corrector)
    client.force_login(client_user)
    assert _download(client, order, second).status_code == 200


# --- 2. Deleting a manuscript: confirmed, recorded, never the last of a paid order ---

def test_deleting_a_manuscript_asks_first_then_records_it(client, make_order, client_user):
    order = make_order()
    services.order_add_manuscript(order=order, uploaded_file=demo_pdf("v2.pdf"), by=client_user)
    first = order.files.get(original_name="manuscrit.pdf")
    url = reverse("orders:file_delete", args=[order.pk, first.pk])
    client.force_login(client_user)
    detail = client.get(reverse("orders:detail", args=[order.pk]))
    assert url in detail.content.decode()  # the list links to the confirmation, not a one-click form

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "manuscrit.pdf" in page_text(confirm) and "Supprimer le fichier" in page_text(confirm)
    first.refresh_from_db()
    assert first.deleted_at is None  # asking deletes nothing

    response = client.post(url)
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.deleted_at is not None
    event = OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.FILE).order_by("-created_at", "-id").first()
    assert event.note == "« manuscrit.pdf » supprimé" and event.actor == client_user
    assert "« manuscrit.pdf » supprimé" in page_text(client.get(reverse("orders:detail", args=[order.pk])))


def test_a_paid_order_never_loses_its_last_manuscript(client, paid_order, client_user, staff):
    only = paid_order.files.get()
    for who in (client_user, staff):
        with pytest.raises(OrderError, match="seul manuscrit"):
            services.order_delete_file(order=paid_order, stored_file=only, by=who)
    client.force_login(client_user)
    delete_url = reverse("orders:file_delete", args=[paid_order.pk, only.pk])
    assert delete_url not in client.get(reverse("orders:detail", args=[paid_order.pk])).content.decode()
    response = client.post(delete_url, follow=True)
    assert "seul manuscrit" in page_text(response)
    only.refresh_from_db()
    assert only.deleted_at is None
    assert not OrderEvent.objects.filter(order=paid_order, kind=OrderEvent.Kind.FILE, note__contains="supprimé").exists()

    # With a replacement in place, the old one may go; the client reads it in the history, even when staff did it.
    services.order_add_manuscript(order=paid_order, uploaded_file=demo_pdf("v2.pdf"), by=client_user)
    services.order_delete_file(order=paid_order, stored_file=only, by=staff)
    assert list(paid_order.files.alive().values_list("original_name", flat=True)) == ["v2.pdf"]
    lines = [(event.label, event.note) for event in selectors.order_timeline(order=paid_order, user=client_user)]
    assert ("Fichier", "« manuscrit.pdf » supprimé") in lines


def test_an_unpaid_order_may_lose_its_only_manuscript(make_order, client_user):
    order = make_order()
    services.order_delete_file(order=order, stored_file=order.files.get(), by=client_user)
    assert not order.files.alive().exists()


# --- 3. The badge after assignment ------------------------------------------------------

def test_the_badge_says_a_corrector_is_named_from_assignment_until_work_starts(client, paid_order, client_user,
                                                                               corrector, staff):
    assert paid_order.status_label == "Payée, en attente d'un correcteur"
    client.force_login(client_user)
    assert badge("Payée, en attente d'un correcteur") in client.get(reverse("orders:detail", args=[paid_order.pk])).content.decode()
    order = services.order_assign_corrector(order=paid_order, corrector=corrector, by=staff)
    assert order.status == S.PAYEE  # the stored value stays the legacy one
    for who, page in ((client_user, "orders:client_dashboard"), (corrector, "orders:corrector_queue"),
                      (staff, "orders:staff_board")):
        client.force_login(who)
        html = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
        assert badge("Correcteur désigné") in html
        assert badge("Payée, en attente d'un correcteur") not in html  # the history may still say it was
        if who != staff:  # the board lists orders without a corrector
            assert badge("Correcteur désigné") in client.get(reverse(page)).content.decode()
    order = services.order_start(order=order, by=corrector)
    assert order.status_label == "En cours de correction"


# --- 4. The Actions card, the saved card, the progress bar ----------------------------

def test_no_empty_actions_card_the_client_reads_what_happens_next(client, working_order, client_user):
    client.force_login(client_user)
    text = page_text(client.get(reverse("orders:detail", args=[working_order.pk])))
    assert "Actions" not in text
    assert "Prochaine étape" in text and "Votre correcteur travaille sur votre manuscrit" in text


def test_the_actions_card_shows_when_the_client_has_something_to_do(client, delivered_order, client_user):
    client.force_login(client_user)
    text = page_text(client.get(reverse("orders:detail", args=[delivered_order.pk])))
    assert "Actions" in text and "Valider la livraison" in text


def test_paying_with_a_saved_card_is_offered_only_with_a_saved_card(client, make_order, client_user):
    order = make_order()
    client.force_login(client_user)
    url = reverse("orders:detail", args=[order.pk])
    page = client.get(url)
    assert "Payer avec une carte enregistrée" not in page_text(page)
    assert reverse("billing:pay_with_card", args=[order.pk]) not in page.content.decode()
    PaymentMethod.objects.create(user=client_user, stripe_payment_method_id="pm_test_1", brand="visa", last4="4242",
                                 exp_month=12, exp_year=2099, is_default=True)
    assert "Payer avec une carte enregistrée" in page_text(client.get(url))


def test_no_progress_bar_before_payment(client, make_order, client_user, paid_order):
    unpaid = make_order(title="Pas encore payée")
    assert unpaid.progress_percent == 0
    client.force_login(client_user)
    assert 'role="progressbar"' not in client.get(reverse("orders:detail", args=[unpaid.pk])).content.decode()
    assert 'role="progressbar"' in client.get(reverse("orders:detail", args=[paid_order.pk])).content.decode()
    # The dashboard too: one bar, the paid order's.
    assert client.get(reverse("orders:client_dashboard")).content.decode().count('role="progressbar"') == 1
