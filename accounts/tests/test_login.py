import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.urls import reverse

from core.testing import page_text

from .factories import DEFAULT_PASSWORD, AdminFactory, CorrectorFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")
INVALID = "Adresse e-mail ou mot de passe incorrect."


def login(client, email, password=DEFAULT_PASSWORD, **extra):
    return client.post(LOGIN_URL, {"username": email, "password": password}, REMOTE_ADDR="10.0.0.1", **extra)


@pytest.mark.parametrize(
    ("factory", "home"),
    [
        (UserFactory, reverse("orders:client_dashboard")),
        (CorrectorFactory, reverse("orders:corrector_queue")),
        (AdminFactory, reverse("admin:index")),
    ],
)
def test_each_role_lands_on_its_own_home(client, factory, home):
    user = factory()
    response = login(client, user.email)
    assert response.status_code == 302
    landing = client.get(response.url)
    assert landing.url == home
    assert client.get(home).status_code == 200


def test_client_home_is_mon_espace(client):
    user = UserFactory(first_name="Éloïse")
    login(client, user.email)
    response = client.get(reverse("orders:client_dashboard"))
    assert "Mon espace" in page_text(response)
    assert "Éloïse" in page_text(response)


def test_email_login_ignores_case(client):
    user = UserFactory(email="lea@example.org")
    response = login(client, "LEA@Example.ORG")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_wrong_password_and_unknown_email_get_the_same_answer(client):
    UserFactory(email="connu@example.org")
    wrong = login(client, "connu@example.org", "pas-le-bon-mot")
    unknown = login(client, "inconnu@example.org", "pas-le-bon-mot")
    assert wrong.status_code == unknown.status_code == 200
    assert INVALID in page_text(wrong)
    assert INVALID in page_text(unknown)


def test_account_not_yet_activated_is_explained_only_with_the_right_password(client):
    UserFactory(email="nouveau@example.org", is_active=False, email_verified_at=None)
    right = login(client, "nouveau@example.org")
    assert "pas encore activé" in page_text(right)
    assert "Recevoir un nouveau lien d'activation" in page_text(right)
    wrong = login(client, "nouveau@example.org", "mauvais-mot-de-passe")
    assert "pas encore activé" not in page_text(wrong)
    assert INVALID in page_text(wrong)
    assert "_auth_user_id" not in client.session


def test_deactivated_account_cannot_log_in(client):
    UserFactory(email="parti@example.org", is_active=False)
    response = login(client, "parti@example.org")
    assert "Ce compte est désactivé" in page_text(response)
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_account_for_that_ip(client):
    user = UserFactory()
    for _ in range(5):
        login(client, user.email, "mauvais-mot-de-passe")
    locked = login(client, user.email)  # even the right password
    assert locked.status_code == 429
    assert "Trop de tentatives" in page_text(locked)
    assert "_auth_user_id" not in client.session
    # Another address is not locked out of its own account.
    other = UserFactory()
    assert login(client, other.email).status_code == 302


def test_many_accounts_tried_from_one_ip_are_rate_limited(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": "3/15m"}
    for n in range(3):
        login(client, f"inconnu{n}@example.org", "devine")
    response = login(client, UserFactory().email)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_is_keyed_on_the_normalised_email(client):
    user = UserFactory(email="casse@example.org")
    for variant in ["CASSE@example.org", "Casse@Example.org", "casse@EXAMPLE.org", "cAsse@example.org", "casse@example.org"]:
        login(client, variant, "mauvais-mot-de-passe")
    assert login(client, user.email).status_code == 429


def test_failed_and_successful_logins_are_recorded(client):
    user = UserFactory()
    login(client, user.email, "mauvais-mot-de-passe")
    assert AccessFailureLog.objects.filter(username=user.email).count() == 1
    assert AccessAttempt.objects.filter(username=user.email).exists()
    login(client, user.email)
    assert AccessLog.objects.filter(username=user.email).count() == 1
    # A success resets the failure counter (AXES_RESET_ON_SUCCESS).
    assert not AccessAttempt.objects.filter(username=user.email).exists()


def test_logout_is_a_post(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_open_redirect_is_refused_after_login(client):
    user = UserFactory()
    response = client.post(
        LOGIN_URL, {"username": user.email, "password": DEFAULT_PASSWORD, "next": "https://evil.example.com/"}
    )
    assert response.status_code == 302
    assert "evil" not in response.url
