"""The bell is polled by every open tab (issue 13): its value stays in the
cache until a notification of the user is written, and a poll that sends
back the ETag of its last answer gets a 304 without a database read beyond
the session's user."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory
from notifications.models import Notification
from notifications.services import notification_delete, notification_mark_read, notifications_mark_all_read, notify

pytestmark = pytest.mark.django_db


def ping(user, title="Commande payée"):
    return notify(user=user, type=Notification.Type.ORDER, title=title, message="Détails")


def bell(client, etag=None):
    headers = {"HX-Request": "true", **({"If-None-Match": etag} if etag else {})}
    return client.get(reverse("notifications:bell"), headers=headers)


def unread(response):
    return response.context["unread"]


def no_notification_read(queries):
    """Only the session (from the database without Redis) and its user."""
    assert len(queries) <= 2
    assert not any("notifications_notification" in q["sql"] for q in queries.captured_queries)


def test_unchanged_bell_answers_304_without_reading_notifications(client):
    user = UserFactory()
    ping(user)
    client.force_login(user)
    first = bell(client)
    assert first.status_code == 200 and first["ETag"]
    with CaptureQueriesContext(connection) as queries:
        again = bell(client, first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"] and again.content == b""
    no_notification_read(queries)


@pytest.mark.parametrize("rows", [1, 40])
def test_cached_bell_costs_the_same_whatever_the_rows(client, rows):
    user = UserFactory()
    for n in range(rows):
        ping(user, title=f"N{n}")
    client.force_login(user)
    bell(client)  # fills the cache
    with CaptureQueriesContext(connection) as queries:
        response = bell(client)  # no ETag: the page's first load
    assert response.status_code == 200 and unread(response) == rows
    no_notification_read(queries)


@pytest.mark.parametrize("write", ["notify", "mark_read", "mark_all_read", "delete", "admin_edit"])
def test_every_write_refreshes_the_bell(client, write):
    user = UserFactory()
    first = ping(user, title="Première")
    client.force_login(user)
    before = bell(client)
    assert unread(before) == 1
    if write == "notify":
        ping(user, title="Seconde")
        expected = 2
    elif write == "mark_read":
        notification_mark_read(user=user, notification_id=first.pk)
        expected = 0
    elif write == "mark_all_read":
        notifications_mark_all_read(user=user)
        expected = 0
    elif write == "delete":
        notification_delete(user=user, notification_id=first.pk)
        expected = 0
    else:  # the admin saves the row (post_save)
        first.is_read = True
        first.save()
        expected = 0
    after = bell(client, before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    assert unread(after) == expected


def test_mark_read_through_the_page_refreshes_the_bell(client):
    user = UserFactory()
    notification = ping(user)
    client.force_login(user)
    before = bell(client)
    client.post(reverse("notifications:mark_read", args=[notification.pk]))
    after = bell(client, before["ETag"])
    assert after.status_code == 200 and unread(after) == 0


def test_another_users_notification_leaves_my_bell_cached(client):
    user, other = UserFactory(), UserFactory()
    ping(user)
    client.force_login(user)
    before = bell(client)
    ping(other)
    assert bell(client, before["ETag"]).status_code == 304


def test_a_write_committed_after_a_read_is_not_hidden_by_it(django_capture_on_commit_callbacks):
    """A poll that read the rows before a write commits stores what it read
    under the old token; the token dropped after the commit makes the next
    poll read afresh."""
    from core import user_cache
    from notifications import selectors

    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notification = ping(user)
        Notification.objects.filter(pk=notification.pk).update(is_read=True)  # a bare UPDATE: no announcement
        stale_token = selectors.bell_version(user=user)
        stale = selectors.bell_for(user=user, version=stale_token)
        user_cache.invalidate(selectors.BELL_CACHE, [user.pk])
    assert stale["unread"] == 0
    assert selectors.bell_version(user=user) != stale_token


def test_an_unchanged_bell_reads_the_cache_once_beyond_the_session(client, monkeypatch):
    """The session's user and the bell's token in one MGET (core.user_cache.read_ahead)."""
    from core import user_cache
    from core.testing import CountingCache

    user = UserFactory()
    ping(user)
    client.force_login(user)
    etag = bell(client)["ETag"]
    counting = CountingCache.on(user_cache, monkeypatch)
    assert bell(client, etag).status_code == 304
    assert counting.calls == ["get_many"]
