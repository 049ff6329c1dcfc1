"""Standing suite (issue 8): 20 simultaneous submits of every notification
button -> one consistent state. Real POSTs through the views, each from its
own logged-in browser and database connection. Needs MariaDB (CI)."""

import pytest
from django.urls import reverse

from core.testing import server_database_only, submit_all
from notifications.models import Notification
from notifications.services import notify, unsubscribe_token

pytestmark = [pytest.mark.django_db(transaction=True), server_database_only]


@pytest.fixture
def notices(client_user):
    return [notify(user=client_user, type="SYSTEM", title=f"Avis {n}", message="Votre commande avance.")
            for n in range(3)]


def test_mark_read_pressed_20_times(client_user, notices):
    responses = submit_all(client_user, reverse("notifications:mark_read", args=[notices[0].pk]))
    assert {r.status_code for r in responses} == {302}
    notices[0].refresh_from_db()
    assert notices[0].is_read and Notification.objects.filter(user=client_user, is_read=False).count() == 2


def test_mark_all_read_pressed_20_times(client_user, notices):
    responses = submit_all(client_user, reverse("notifications:mark_all_read"))
    assert {r.status_code for r in responses} == {302}
    assert not Notification.objects.filter(user=client_user, is_read=False).exists()
    assert Notification.objects.filter(user=client_user).count() == 3


def test_delete_pressed_20_times(client_user, notices):
    responses = submit_all(client_user, reverse("notifications:delete", args=[notices[0].pk]))
    assert {r.status_code for r in responses} == {302}
    assert list(Notification.objects.filter(user=client_user, is_deleted=False)) == list(
        Notification.objects.filter(pk__in=[n.pk for n in notices[1:]]))


def test_unsubscribe_pressed_20_times_turns_the_kind_off_once(client_user):
    client_user.preferences = {"notifications": {"orders": True, "messages": True}}
    client_user.save(update_fields=["preferences"])
    url = reverse("notifications:unsubscribe", args=[unsubscribe_token(client_user, "orders")])
    responses = submit_all(None, url)
    assert {r.status_code for r in responses} == {200}
    client_user.refresh_from_db()
    assert client_user.preferences["notifications"]["orders"] is False
    assert client_user.preferences["notifications"]["messages"] is True
