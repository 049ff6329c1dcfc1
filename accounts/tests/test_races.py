"""Standing suite (issue 8): 20 simultaneous submits of every account button
-> one effect, no server error, the same answer. Real POSTs through the views,
each from its own browser and database connection. Needs MariaDB (CI)."""

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import User
from core.models import OutboxEmail
from core.testing import SUBMITS, server_database_only, submit_all

from .factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), server_database_only]
NEW_PASSWORD = "Un-Nouveau-Mot-De-Passe-77"


@pytest.fixture
def generous_limits(settings):
    """The rate limits would stop a script at 5 or 10: here we test the race."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "register": "1000/h", "activation_resend": "1000/h",
                            "password_reset": "1000/h"}


def test_register_20_times_with_one_address_makes_one_account(generous_limits):
    data = {"first_name": "Anne", "last_name": "Auteur", "email": "anne.race@example.org", "phone": "",
            "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "consent": "on"}
    responses = submit_all(None, reverse("accounts:register"), lambda: dict(data))
    # The same answer for every click (no enumeration, no error).
    assert {(r.status_code, r["Location"]) for r in responses} == {(302, reverse("accounts:register_done"))}
    assert User.objects.filter(email="anne.race@example.org").count() == 1


@pytest.mark.parametrize("name", ["activation_resend", "password_reset"])
def test_link_requests_20_times_answer_alike_and_queue_at_most_one_mail_each(generous_limits, name):
    user = UserFactory(is_active=False, email_verified_at=None) if name == "activation_resend" else UserFactory()
    before = OutboxEmail.objects.count()
    responses = submit_all(None, reverse(f"accounts:{name}"), lambda: {"email": user.email})
    assert {r.status_code for r in responses} == {302}
    assert len({r["Location"] for r in responses}) == 1
    assert OutboxEmail.objects.count() - before <= SUBMITS


def test_profile_saved_20_times(client_user):
    data = {"first_name": "Ophélie", "last_name": "Race", "phone": "06 12 34 56 78", "address": "1 rue", "bio": ""}
    responses = submit_all(client_user, reverse("accounts:profile"), lambda: dict(data))
    assert {r.status_code for r in responses} == {302}
    client_user.refresh_from_db()
    assert (client_user.last_name, client_user.phone) == ("Race", "06 12 34 56 78")


def test_preferences_saved_20_times(client_user):
    responses = submit_all(client_user, reverse("accounts:notification_preferences"), lambda: {"orders": "on"})
    assert {r.status_code for r in responses} == {302}
    client_user.refresh_from_db()
    assert client_user.preferences["notifications"]["orders"] is True
    assert client_user.preferences["notifications"]["messages"] is False


def test_password_change_submitted_20_times(client_user):
    data = {"old_password": DEFAULT_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    submit_all(client_user, reverse("accounts:password_change"), lambda: dict(data))
    client_user.refresh_from_db()
    assert client_user.check_password(NEW_PASSWORD) and not client_user.check_password(DEFAULT_PASSWORD)


def test_deactivate_submitted_20_times(client_user):
    responses = submit_all(client_user, reverse("accounts:deactivate"), lambda: {"password": DEFAULT_PASSWORD})
    assert {r.status_code for r in responses} <= {302}
    client_user.refresh_from_db()
    assert not client_user.is_active and client_user.deactivated_at is not None


def test_delete_submitted_20_times_anonymises_once(client_user):
    email = client_user.email
    responses = submit_all(client_user, reverse("accounts:delete"),
                           lambda: {"password": DEFAULT_PASSWORD, "confirmation": "SUPPRIMER"})
    assert {r.status_code for r in responses} <= {302}
    client_user.refresh_from_db()
    assert client_user.is_anonymised and not User.objects.filter(email=email).exists()
    anonymised_at = client_user.anonymised_at
    # A late repeat changes nothing more.
    services.user_anonymise(user=client_user, by=client_user)
    client_user.refresh_from_db()
    assert client_user.anonymised_at == anonymised_at


def test_activation_link_opened_20_times_activates_once():
    from accounts.tokens import make_activation_token

    user = UserFactory(is_active=False, email_verified_at=None)
    url = reverse("accounts:activate", args=[make_activation_token(user)])
    responses = submit_all(None, url)
    assert {r.status_code for r in responses} == {302}
    user.refresh_from_db()
    assert user.is_active and user.email_verified_at is not None


def test_reset_link_submitted_20_times():
    """The first submit sets the password and spends the link; the others land
    on the "invalid link" answer, never an error."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = UserFactory()
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    start = reverse("accounts:password_reset_confirm", args=[uidb64, default_token_generator.make_token(user)])
    from django.test import Client

    browsers = []
    for _ in range(SUBMITS):
        browser = Client()
        set_url = browser.get(start)["Location"]  # Django swaps the token for a session one
        browsers.append((browser, set_url))
    from core.testing import run_in_threads

    responses, errors = run_in_threads(
        browsers, lambda pair: pair[0].post(pair[1], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}),
        threads=SUBMITS)
    assert errors == [] and all(r.status_code < 500 for r in responses)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
