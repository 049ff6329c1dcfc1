from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from core.testing import page_text
from notifications.models import Notification
from notifications.services import notifications_purge_expired, notify

pytestmark = pytest.mark.django_db


def ping(user, title="Commande payée", **kwargs):
    return notify(user=user, type=Notification.Type.ORDER, title=title, message="Détails", action_url="/dashboard/",
                  **kwargs)


def test_notify_writes_and_emails_when_preferences_allow(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notification = ping(user, email_kind="orders")
    assert notification.user == user and notification.expires_at > timezone.now() + timedelta(days=29)
    assert mail.outbox[-1].to == [user.email] and mail.outbox[-1].subject == "Commande payée"
    assert "/accounts/profile/" in mail.outbox[-1].body  # where to change preferences


@pytest.mark.parametrize(("preferences", "kind"), [({"notifications": {"orders": False}}, "orders"), ({}, "marketing")])
def test_preferences_switch_emails_off(django_capture_on_commit_callbacks, preferences, kind):
    user = UserFactory(preferences=preferences)
    with django_capture_on_commit_callbacks(execute=True):
        ping(user, email_kind=kind)
    assert mail.outbox == []
    assert Notification.objects.filter(user=user).count() == 1  # in-app still


def test_bell_counts_only_visible_unread(client, django_assert_max_num_queries):
    user = UserFactory()
    for n in range(7):
        ping(user, title=f"N{n}")
    Notification.objects.filter(title="N0").update(is_read=True)
    Notification.objects.filter(title="N1").update(is_deleted=True)
    Notification.objects.filter(title="N2").update(expires_at=timezone.now() - timedelta(seconds=1))
    ping(UserFactory(), title="Pas pour moi")
    client.force_login(user)
    with django_assert_max_num_queries(4):  # session, user, count, latest
        response = client.get(reverse("notifications:bell"))
    assert response.context["unread"] == 4
    assert [n.title for n in response.context["latest"]] == ["N6", "N5", "N4", "N3", "N0"]
    assert "Pas pour moi" not in page_text(response)


def test_mark_read_all_read_and_delete(client):
    user = UserFactory()
    first, second = ping(user, title="A"), ping(user, title="B")
    client.force_login(user)
    response = client.post(reverse("notifications:mark_read", args=[first.pk]), {"open": "1"})
    assert response.url == "/dashboard/"
    first.refresh_from_db()
    assert first.is_read and first.read_at
    client.post(reverse("notifications:mark_all_read"), {"next": "https://evil.example.com/"})
    second.refresh_from_db()
    assert second.is_read
    client.post(reverse("notifications:delete", args=[second.pk]))
    assert [n.title for n in client.get(reverse("notifications:list")).context["page"].object_list] == ["A"]


def test_other_users_notifications_are_404(client):
    theirs = ping(UserFactory())
    client.force_login(UserFactory())
    assert client.post(reverse("notifications:mark_read", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notifications:delete", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_read and not theirs.is_deleted


def test_list_filters_by_type_and_unread(client):
    user = UserFactory()
    ping(user, title="Commande")
    notify(user=user, type=Notification.Type.PAYMENT, title="Paiement", message="ok")
    client.force_login(user)
    by_type = client.get(reverse("notifications:list"), {"type": "PAYMENT"})
    assert [n.title for n in by_type.context["page"].object_list] == ["Paiement"]


def test_expired_notifications_are_purged_daily():
    user = UserFactory()
    ping(user, title="Vieille")
    ping(user, title="Récente")
    Notification.objects.filter(title="Vieille").update(expires_at=timezone.now() - timedelta(days=1))
    call_command("purge_notifications")
    assert list(Notification.objects.values_list("title", flat=True)) == ["Récente"]
    assert notifications_purge_expired() == 0


def test_bell_needs_login(client):
    assert client.get(reverse("notifications:bell")).status_code == 302


def test_activation_welcomes_the_client_and_tells_staff(client):
    import re

    from accounts.tests.factories import AdminFactory

    staff = AdminFactory()
    client.post(reverse("accounts:register"), {
        "first_name": "Jules", "last_name": "Verne", "email": "jules@example.org",
        "password1": "Vingt-Mille-Lieues-1870", "password2": "Vingt-Mille-Lieues-1870", "consent": "on",
    })
    path = re.search(r"(/accounts/activate/[^/\s]+/)", mail.outbox[-1].body).group(1)
    client.get(path)
    assert Notification.objects.filter(user__email="jules@example.org", title="Bienvenue sur Staka Livres").exists()
    assert Notification.objects.filter(user=staff, title="Nouveau client").exists()


def test_one_click_unsubscribe_turns_off_that_kind_only(client, django_capture_on_commit_callbacks):
    import re

    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        ping(user, email_kind="orders")
    path = re.search(r"(/notifications/unsubscribe/[^/\s]+/)", mail.outbox[-1].body).group(1)
    assert client.get(path).status_code == 200  # asking only: scanners follow links
    user.refresh_from_db()
    assert user.preferences == {}
    response = client.post(path)
    assert "vous ne recevrez plus" in page_text(response)
    user.refresh_from_db()
    assert user.preferences["notifications"]["orders"] is False
    assert user.preferences["notifications"]["messages"] is True
    assert client.post(path.replace("/unsubscribe/", "/unsubscribe/x")).status_code == 400


def test_header_polls_are_marked_and_paced_by_the_setting(client, settings):
    """The bell and the Messages badge carry data-poll (app.js skips them in a
    background tab) and poll at NAV_POLL_SECONDS, without an hx-trigger filter
    (htmx evaluates those with eval, which the CSP forbids)."""
    import re

    settings.NAV_POLL_SECONDS = 7
    client.force_login(UserFactory())
    html = client.get(reverse("orders:client_dashboard")).content.decode()
    polls = re.findall(r'<[^>]*\bdata-poll\b[^>]*>', html)
    assert len(polls) == 2
    assert all('hx-trigger="load, every 7s, messaging:read from:body, poll:now"' in tag for tag in polls)
    assert any(reverse("notifications:bell") in tag for tag in polls)
    assert any(reverse("messaging:unread_badge") in tag for tag in polls)
