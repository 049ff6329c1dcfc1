"""The notifications page draws its cards from the per-row cache (issue 13):
a read mark, a deletion or a new notification shows at once, the forms post
with this request's token, and the queries do not grow with the cards."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory
from core.testing import enforce_csrf
from notifications.models import Notification
from notifications.services import notification_delete, notification_mark_read, notify

pytestmark = pytest.mark.django_db


def page(client):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
    return response.content.decode()


def ping(user, title, url=""):
    notify(user=user, type=Notification.Type.ORDER, title=title, message="Ligne 1\nLigne 2", action_url=url)
    return Notification.objects.get(user=user, title=title)


def test_read_marks_deletions_and_new_ones_show_at_once(client):
    user = UserFactory()
    first = ping(user, "Commande payée")
    second = ping(user, "Fichier livré", url="/orders/")
    client.force_login(user)
    html = page(client)
    assert html.count("is-unread") == 2 and "Ligne 1<br>Ligne 2" in html
    notification_mark_read(user=user, notification_id=first.pk)
    html = page(client)
    assert html.count("is-unread") == 1 and "Marquer comme lue" not in html  # the read one, without a link
    notification_delete(user=user, notification_id=second.pk)
    ping(user, "Nouveau message")
    html = page(client)
    assert "Fichier livré" not in html and "Nouveau message" in html


def test_forms_post_with_this_requests_token(client):
    user = UserFactory()
    note = ping(user, "Commande payée")
    client.force_login(user)
    page(client)
    client.logout()
    client.force_login(user)
    html = page(client)
    assert "__staka_csrf_token__" not in html
    token = re.search(rf'action="{reverse("notifications:mark_read", args=[note.pk])}"><input type="hidden" '
                      r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = enforce_csrf(client).post(reverse("notifications:mark_read", args=[note.pk]),
                                         {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Notification.objects.get(pk=note.pk).is_read


def test_queries_do_not_grow_with_the_cards(client):
    user = UserFactory()
    ping(user, "Une")
    client.force_login(user)

    def counted():
        page(client)
        with CaptureQueriesContext(connection) as queries:
            page(client)
        return len(queries)

    few = counted()
    for number in range(15):
        ping(user, f"Notification {number}")
    assert counted() == few


def test_the_usual_visit_reads_no_notification_after_the_first(client):
    """The first page without filters comes from the cache, under the bell's
    token: until a notification of the user is written, no table is read."""
    user = UserFactory()
    for number in range(25):
        ping(user, f"Notification {number}")
    client.force_login(user)
    page(client)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("notifications:list"))
    assert not [query for query in queries if "notifications_notification" in query["sql"]]
    assert response.context["page"].paginator.num_pages == 2 and len(response.context["page"]) == 20
    ping(user, "Toute fraîche")
    fresh = client.get(reverse("notifications:list"))
    assert fresh.context["page"].paginator.count == 26 and "Toute fraîche" in fresh.content.decode()
    # Another page, or a filter, reads the table.
    second = client.get(reverse("notifications:list"), {"page": 2})
    assert [n.title for n in second.context["page"].object_list] == [f"Notification {n}" for n in range(5, -1, -1)]
