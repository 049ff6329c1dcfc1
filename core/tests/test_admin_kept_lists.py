"""The team's everyday admin lists are kept drawn for a short while
(core.admin_kept_lists, issue 13): a second view reads no row, and what
anyone saves, or the team does in the admin, shows at once."""

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import AdminFactory, UserFactory
from core.testing import enforce_csrf, visible_text
from notifications.models import Notification

pytestmark = pytest.mark.django_db

URL = reverse("admin:notifications_notification_changelist")


def notify(user, title):
    return Notification.objects.create(user=user, title=title, message="…")


def shown(client, url=URL):
    response = client.get(url)
    assert response.status_code == 200
    return visible_text(response.content.decode())


@pytest.fixture
def staff(client):
    client.force_login(AdminFactory(first_name="Inès"))
    return client


def test_a_second_view_reads_no_row(staff):
    notify(UserFactory(), "Première")
    first = staff.get(URL).content.decode()
    with CaptureQueriesContext(connection) as queries:
        second = staff.get(URL).content.decode()
    assert not [q for q in queries.captured_queries if "notifications_notification" in q["sql"]]
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert token.sub("", second) == token.sub("", first)


def test_a_saved_row_shows_at_once(staff):
    user = UserFactory()
    notification = notify(user, "Avant")
    assert "Avant" in shown(staff)
    notify(user, "Nouvelle")  # a service's save
    assert "Nouvelle" in shown(staff)
    notification.title = "Après"
    notification.save()
    assert "Après" in shown(staff) and "Avant" not in shown(staff)


def test_what_the_team_does_in_the_admin_shows_at_once(staff):
    """An action (here Django's "delete selected", a bulk delete with no
    post_save) and a deletion from the change page renew the list."""
    user = UserFactory()
    first, second = notify(user, "Alpha"), notify(user, "Bêta")
    assert "Alpha" in shown(staff) and "Bêta" in shown(staff)
    staff.post(URL, {"action": "delete_selected", ACTION_CHECKBOX_NAME: [first.pk], "post": "yes"})
    staff.get(reverse("admin:index"))  # the confirmation message shown elsewhere
    assert "Alpha" not in shown(staff) and "Bêta" in shown(staff)
    staff.post(reverse("admin:notifications_notification_delete", args=[second.pk]), {"post": "yes"})
    staff.get(reverse("admin:index"))
    assert "Bêta" not in shown(staff)


def test_a_page_with_a_message_is_drawn_with_it_and_not_kept(staff):
    notification = notify(UserFactory(), "Gamma")
    shown(staff)
    response = staff.post(URL, {"action": "delete_selected", ACTION_CHECKBOX_NAME: [notification.pk], "post": "yes"},
                          follow=True)
    done = "La suppression de 1 notification a réussi."
    assert done in visible_text(response.content.decode())
    assert done not in shown(staff)  # a message is shown once


def test_each_staff_member_has_their_own_page_with_their_own_csrf_token(client):
    """The kept page names its viewer; its forms carry this request's token:
    an action posted from it passes the CSRF check in another session."""
    notification = notify(UserFactory(), "Delta")
    client.force_login(AdminFactory(first_name="Inès"))
    assert "Inès" in shown(client)
    other = enforce_csrf(Client())
    other.force_login(AdminFactory(first_name="Bastien"))
    page = other.get(URL).content.decode()
    assert "Bastien" in visible_text(page) and "Inès" not in visible_text(page)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = other.post(URL, {"csrfmiddlewaretoken": token, "action": "delete_selected",
                                ACTION_CHECKBOX_NAME: [notification.pk], "post": "yes"})
    assert response.status_code == 302
    assert not Notification.objects.filter(pk=notification.pk).exists()
