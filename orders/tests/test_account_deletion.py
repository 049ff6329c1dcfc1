"""Issue 9: deleting an account while orders are in progress. The page warns
and lists them, the deletion is refused and the team told; unpaid orders are
cancelled through the service on the way."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services as account_services
from accounts.tests.factories import DEFAULT_PASSWORD
from core.testing import page_text
from notifications.models import Notification
from orders import services
from orders.models import Order, OrderEvent

pytestmark = pytest.mark.django_db
S = Order.Status
DELETE = {"password": DEFAULT_PASSWORD, "confirmation": "SUPPRIMER"}


def test_the_deletion_page_lists_the_orders_in_progress_and_refuses(client, working_order, client_user, corrector,
                                                                    staff):
    client.force_login(client_user)
    page = page_text(client.get(reverse("accounts:delete")))
    assert "Des commandes sont en cours" in page and "« Le Grand Meaulnes » (En cours de correction)" in page

    response = client.post(reverse("accounts:delete"), DELETE)
    assert response.status_code == 200
    assert "ne peut pas être supprimé tant que des commandes sont en cours" in page_text(response)
    client_user.refresh_from_db()
    assert client_user.anonymised_at is None and client_user.is_active
    working_order.refresh_from_db()
    assert working_order.status == S.EN_COURS and working_order.client.get_full_name() != "Utilisateur supprimé"
    # The team hears of it, with a link to the account.
    notice = Notification.objects.get(user=staff, title="Suppression de compte en attente")
    assert client_user.email in notice.message and "Le Grand Meaulnes" in notice.message
    assert str(client_user.pk) in notice.action_url
    assert not Notification.objects.filter(user=corrector, title="Suppression de compte en attente").exists()


def test_a_corrector_with_work_in_hand_cannot_delete_the_account(working_order, corrector):
    with pytest.raises(ValidationError, match="commandes sont en cours"):
        account_services.user_anonymise(user=corrector, by=corrector)
    corrector.refresh_from_db()
    assert corrector.anonymised_at is None


def test_staff_anonymising_a_client_in_progress_is_refused_too(working_order, client_user, staff):
    with pytest.raises(ValidationError, match="commandes sont en cours"):
        account_services.user_anonymise(user=client_user, by=staff)
    assert not Notification.objects.filter(title="Suppression de compte en attente").exists()  # staff know


def test_unpaid_orders_are_listed_then_cancelled_through_the_service(client, make_order, client_user):
    unpaid = make_order(title="Jamais payée")
    client.force_login(client_user)
    page = page_text(client.get(reverse("accounts:delete")))
    assert "Ces commandes non payées seront annulées" in page and "« Jamais payée » sera annulée" in page
    assert "Des commandes sont en cours" not in page

    response = client.post(reverse("accounts:delete"), DELETE, follow=True)
    assert "Votre compte a été supprimé" in page_text(response)
    unpaid.refresh_from_db()
    assert unpaid.status == S.ANNULEE and unpaid.finished_at is not None
    event = OrderEvent.objects.filter(order=unpaid, to_status=S.ANNULEE).get()
    assert event.note == "Compte supprimé" and event.actor == client_user


def test_finished_orders_do_not_keep_the_account(delivered_order, client_user):
    order = services.order_accept_delivery(order=delivered_order, by=client_user)
    assert order.status == S.TERMINE
    account_services.user_anonymise(user=client_user, by=client_user)
    client_user.refresh_from_db()
    assert client_user.anonymised_at is not None
