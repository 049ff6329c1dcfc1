"""No activation or reset token is ever stored in the e-mail outbox (shown in
the admin, kept in backups): links are made when the e-mail leaves."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import User
from core.models import OutboxEmail

from .factories import AdminFactory, UserFactory

pytestmark = pytest.mark.django_db

VALID = {
    "first_name": "Camille", "last_name": "Martin", "email": "camille@example.org", "phone": "",
    "password1": "Lettres-de-Mon-Moulin-42", "password2": "Lettres-de-Mon-Moulin-42", "consent": "on",
}
NEW_PASSWORD = "Une-Saison-en-Enfer-1873"


def link_in(message, prefix):
    return re.search(rf"({prefix}[^\s\"<]+/)", message.body).group(1)


def assert_no_secret_stored(secrets):
    for row in OutboxEmail.objects.all():
        stored = f"{row.context} {row.subject} {row.last_error}"
        for secret in secrets:
            assert secret not in stored


def assert_admin_shows_no_secret(client, secrets):
    client.force_login(AdminFactory())
    pages = [client.get(reverse("admin:core_outboxemail_changelist"))]
    pages += [client.get(reverse("admin:core_outboxemail_change", args=[row.pk])) for row in OutboxEmail.objects.all()]
    for page in pages:
        assert page.status_code == 200
        for secret in secrets:
            assert secret not in page.content.decode()


def test_activation_link_is_made_at_send_time_and_works(client):
    client.post(reverse("accounts:register"), VALID)
    path = link_in(mail.outbox[-1], "/accounts/activate/")
    token = path.rstrip("/").rsplit("/", 1)[-1]
    assert_no_secret_stored([token, "/accounts/activate/"])
    assert_admin_shows_no_secret(client, [token])
    client.logout()
    assert client.get(path).status_code == 302
    assert User.objects.get(email="camille@example.org").is_active


def test_reset_link_is_made_at_send_time_and_works(client):
    user = UserFactory(email="oubli@example.org")
    client.post(reverse("accounts:password_reset"), {"email": "oubli@example.org"})
    path = link_in(mail.outbox[-1], "/accounts/password/reset/")
    uid, token = path.strip("/").split("/")[-2:]
    assert_no_secret_stored([token, uid, "/accounts/password/reset/"])
    assert_admin_shows_no_secret(client, [token])
    client.logout()
    page = client.get(path, follow=True)
    done = client.post(page.request["PATH_INFO"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_an_activation_email_that_no_longer_applies_is_not_sent(client, django_capture_on_commit_callbacks):
    user = UserFactory(is_active=False, email_verified_at=None)
    with django_capture_on_commit_callbacks() as callbacks:
        services.user_send_activation(user=user)
    User.objects.filter(pk=user.pk).update(is_active=True, email_verified_at=timezone.now())
    for callback in callbacks:
        callback()
    assert mail.outbox == []
    assert OutboxEmail.objects.get().status == OutboxEmail.Status.FAILED


def test_sent_emails_are_purged_after_the_retention_period(settings):
    settings.OUTBOX_RETENTION_DAYS = 90
    now = timezone.now()
    old = OutboxEmail.objects.create(to="a@example.org", template="activation", status="SENT", sent_at=now - timedelta(days=91))
    recent = OutboxEmail.objects.create(to="a@example.org", template="activation", status="SENT", sent_at=now - timedelta(days=89))
    failed = OutboxEmail.objects.create(to="a@example.org", template="activation", status="FAILED")
    OutboxEmail.objects.filter(pk=failed.pk).update(created_at=now - timedelta(days=365))
    call_command("purge_sent_emails", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert set(OutboxEmail.objects.values_list("pk", flat=True)) == {recent.pk, failed.pk}
    assert not OutboxEmail.objects.filter(pk=old.pk).exists()
    assert "purge-sent-emails" in settings.CELERY_BEAT_SCHEDULE


def test_outbox_rows_are_in_the_rgpd_export_and_erased_on_anonymisation(client):
    user = UserFactory(email="lea@example.org")
    client.post(reverse("accounts:password_reset"), {"email": "lea@example.org"})
    OutboxEmail.objects.create(to="autre@example.org", template="activation")
    client.force_login(user)
    export = client.get(reverse("accounts:export_data")).json()
    assert [row["template"] for row in export["emails"]] == ["password_reset"]
    assert "/accounts/password/reset/" not in str(export)
    services.user_anonymise(user=user, by=user)
    assert not OutboxEmail.objects.filter(to="lea@example.org").exists()
    assert OutboxEmail.objects.filter(to="autre@example.org").exists()



def test_links_stored_before_the_fix_are_scrubbed_on_migration():
    from importlib import import_module

    from django.apps import apps
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from accounts.tokens import make_activation_token

    scrub = import_module("accounts.migrations.0002_scrub_outbox_links").scrub
    user = UserFactory()
    token = make_activation_token(user)
    reset_token = default_token_generator.make_token(user)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    OutboxEmail.objects.create(to=user.email, template="activation",
                               context={"first_name": "A", "activation_path": f"/accounts/activate/{token}/"})
    OutboxEmail.objects.create(to=user.email, template="password_reset",
                               context={"first_name": "A", "reset_path": f"/accounts/password/reset/{uid}/{reset_token}/"})
    scrub(apps, None)
    assert_no_secret_stored([token, reset_token, uid])
    assert list(OutboxEmail.objects.values_list("context", flat=True)) == [{"user_id": str(user.pk)}] * 2
