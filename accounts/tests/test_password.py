import re
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.urls import reverse

from core.testing import page_text

from .factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Une-Saison-en-Enfer-1873"
SAME_ANSWER = "Si un compte existe pour cette adresse"


def request_reset(client, email):
    return client.post(reverse("accounts:password_reset"), {"email": email}, follow=True)


def reset_path():
    return re.search(r"(/accounts/password/reset/[^/\s]+/[^/\s]+/)", mail.outbox[-1].body).group(1)


def set_new_password(client, path, password=NEW_PASSWORD):
    # Django swaps the token for a session marker on the first GET.
    page = client.get(path, follow=True)
    return client.post(
        page.request["PATH_INFO"], {"new_password1": password, "new_password2": password}, follow=True
    )


def test_reset_sends_a_single_use_link(client):
    user = UserFactory(email="oubli@example.org")
    response = request_reset(client, "Oubli@Example.org")
    assert SAME_ANSWER in page_text(response)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["oubli@example.org"]
    path = reset_path()

    done = set_new_password(client, path)
    assert "Mot de passe modifié" in page_text(done)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    again = client.get(path, follow=True)
    assert "Ce lien de réinitialisation n'est plus valable" in page_text(again)


def test_unknown_and_inactive_addresses_get_the_same_answer_and_no_mail(client):
    UserFactory(email="dort@example.org", is_active=False, email_verified_at=None)
    for email in ["inconnu@example.org", "dort@example.org"]:
        assert SAME_ANSWER in page_text(request_reset(client, email))
    assert mail.outbox == []


def test_reset_link_expires_after_one_hour(client):
    UserFactory(email="lent@example.org")
    request_reset(client, "lent@example.org")
    path = reset_path()
    later = PasswordResetTokenGenerator()._now() + timedelta(hours=1, minutes=1)
    with mock.patch.object(PasswordResetTokenGenerator, "_now", return_value=later):
        response = client.get(path, follow=True)
    assert "Ce lien de réinitialisation n'est plus valable" in page_text(response)


def test_weak_new_password_is_refused(client):
    user = UserFactory(email="faible@example.org")
    request_reset(client, "faible@example.org")
    response = set_new_password(client, reset_path(), password="12345")
    assert "trop court" in page_text(response)
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_reset_requests_are_rate_limited(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password_reset": "2/15m"}
    UserFactory(email="cible@example.org")
    for _ in range(2):
        request_reset(client, "cible@example.org")
    response = client.post(reverse("accounts:password_reset"), {"email": "cible@example.org"})
    assert response.status_code == 429
    assert len(mail.outbox) == 2


def test_change_password_when_logged_in(client):
    user = UserFactory()
    client.force_login(user)
    url = reverse("accounts:password_change")
    wrong = client.post(url, {"old_password": "faux", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert "ancien mot de passe est incorrect" in page_text(wrong)
    response = client.post(
        url, {"old_password": DEFAULT_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Votre mot de passe a été modifié." in page_text(response)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # The session survives the change (Django updates the session hash).
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_change_password_requires_login(client):
    response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response.url
