import re
import time
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from accounts.tokens import make_activation_token
from core.testing import page_text

from .factories import UserFactory

pytestmark = pytest.mark.django_db

VALID = {
    "first_name": "Camille",
    "last_name": "Martin",
    "email": "Camille.Martin@Example.org",
    "phone": "06 11 22 33 44",
    "password1": "Lettres-de-Mon-Moulin-42",
    "password2": "Lettres-de-Mon-Moulin-42",
    "consent": "on",
}


def register(client, **overrides):
    return client.post(reverse("accounts:register"), {**VALID, **overrides})


def activation_path_from_outbox():
    body = mail.outbox[-1].body
    return re.search(r"(/accounts/activate/[^/\s]+/)", body).group(1)


def test_registration_creates_an_inactive_account_and_sends_the_activation_link(client):
    response = register(client)

    assert response.status_code == 302
    assert response.url == reverse("accounts:register_done")
    user = User.objects.get()
    assert user.email == "camille.martin@example.org"
    assert user.is_active is False
    assert user.email_verified_at is None
    assert user.consent_at is not None
    assert user.role == User.Role.USER
    assert user.check_password(VALID["password1"])
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["camille.martin@example.org"]
    assert "Activez votre compte" in message.subject
    assert "/accounts/activate/" in message.body
    assert "/accounts/activate/" in message.alternatives[0][0]


def test_done_page_names_the_address(client):
    register(client)
    response = client.get(reverse("accounts:register_done"))
    assert "camille.martin@example.org" in page_text(response)


@pytest.mark.parametrize("email", ["existant@example.org", "EXISTANT@example.org", " Existant@Example.ORG "])
def test_taken_address_gets_the_same_answer_and_its_owner_is_warned(client, email):
    UserFactory(email="existant@example.org", first_name="Irène")
    response = register(client, email=email)
    # The same page as a new sign-up: nothing tells the address has an account.
    assert response.status_code == 302 and response.url == reverse("accounts:register_done")
    assert "existe déjà" not in page_text(client.get(response.url))
    assert User.objects.count() == 1
    assert [m.to for m in mail.outbox] == [["existant@example.org"]]
    assert "existe déjà" in mail.outbox[0].subject
    assert "Irène" in mail.outbox[0].body and "/accounts/login/" in mail.outbox[0].body


def test_taken_address_still_waiting_for_activation_gets_its_link_again(client):
    UserFactory(email="attente@example.org", is_active=False, email_verified_at=None)
    response = register(client, email="attente@example.org")
    assert response.status_code == 302 and User.objects.count() == 1
    assert "Activez votre compte" in mail.outbox[-1].subject
    assert activation_path_from_outbox()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("court-1", "trop court"),
        ("1234567890123", "entièrement numérique"),
        ("azertyuiop", "trop courant"),
        ("camillemartin", "trop semblable"),
    ],
)
def test_weak_passwords_are_refused_in_french(client, password, message):
    response = register(client, password1=password, password2=password)
    assert response.status_code == 200
    assert message in page_text(response)
    assert not User.objects.exists()


def test_mismatched_passwords_and_missing_consent_are_explained(client):
    response = register(client, password2="autre-chose-encore", consent="")
    content = page_text(response)
    assert "Les deux mots de passe ne correspondent pas." in content
    assert "Votre consentement est nécessaire" in content
    assert not User.objects.exists()


def test_invalid_phone_is_refused(client):
    response = register(client, phone="<script>")
    assert "numéro de téléphone valide" in page_text(response)
    assert not User.objects.exists()


def test_activation_link_activates_once(client):
    register(client)
    path = activation_path_from_outbox()

    response = client.get(path)
    assert response.status_code == 302
    assert response.url == reverse("accounts:login")
    user = User.objects.get()
    assert user.is_active and user.email_verified_at is not None
    # The login form is pre-filled with the address, which stays out of the URL.
    assert 'value="camille.martin@example.org"' in page_text(client.get(response.url))

    # A second click (or a mail scanner): the same place, with the reason.
    second = client.get(path, follow=True)
    assert second.redirect_chain == [(reverse("accounts:login"), 302)]
    assert "déjà été utilisé" in page_text(second)


def test_activation_link_expires_after_48_hours(client):
    user = UserFactory(is_active=False, email_verified_at=None)
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 48 * 3600 - 60):
        token = make_activation_token(user)
    response = client.get(reverse("accounts:activate", args=[token]))
    assert response.status_code == 400
    assert "expiré" in page_text(response)
    user.refresh_from_db()
    assert user.is_active is False


def test_tampered_activation_token_is_refused(client):
    user = UserFactory(is_active=False, email_verified_at=None)
    token = make_activation_token(user)
    response = client.get(reverse("accounts:activate", args=[token[:-2] + "xx"]))
    assert response.status_code == 400
    assert "n'est pas valide" in page_text(response)
    user.refresh_from_db()
    assert user.is_active is False


def test_activation_resend_answers_the_same_whatever_the_address(client):
    pending = UserFactory(email="attente@example.org", is_active=False, email_verified_at=None)
    UserFactory(email="actif@example.org")
    answers = []
    for email in [pending.email, "actif@example.org", "inconnu@example.org"]:
        response = client.post(reverse("accounts:activation_resend"), {"email": email}, follow=True)
        answers.append(page_text(response).count("Si un compte en attente d'activation existe"))
    assert answers == [1, 1, 1]
    assert [m.to for m in mail.outbox] == [["attente@example.org"]]


def test_registration_is_rate_limited(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "register": "2/h"}
    for n in range(2):
        register(client, email=f"a{n}@example.org")
    response = register(client, email="a3@example.org")
    assert response.status_code == 429
    assert "trop de demandes" in page_text(response).lower()
    assert User.objects.count() == 2


def test_logged_in_user_is_sent_home_from_registration(client):
    client.force_login(UserFactory())
    response = client.get(reverse("accounts:register"))
    assert response.status_code == 302


@pytest.mark.parametrize("url_name", ["accounts:register", "orders:create"])
def test_the_consent_links_the_privacy_policy_and_the_cgv(client, url_name):
    """Sign-up and the visitor's order form: the consent names pages that exist."""
    html = client.get(reverse(url_name)).content.decode()
    consent = re.search(r'<input[^>]*name="(?:account-)?consent".*?</p>', html, re.S).group(0)
    assert "politique de confidentialité" in consent
    for target in (reverse("cms:privacy"), reverse("cms:terms")):
        link = re.search(rf'<a href="{target}"[^>]*>', consent).group(0)
        assert 'target="_blank"' in link and 'rel="noopener noreferrer"' in link
