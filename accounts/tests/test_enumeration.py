"""Nothing tells whether an address has an account: not the words, not the
time taken. Timing is checked deterministically: the expensive work (password
hashes) is counted, and the reset/resend requests do the same queries and
queue the same work for a known and an unknown address."""

import re
from unittest import mock

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.testing import page_text

from .factories import UserFactory

pytestmark = pytest.mark.django_db

WRONG = "pas-le-bon-mot-de-passe"


def hashes_during(action):
    """How many password hashes (bcrypt in production, MD5 in tests) run."""
    with mock.patch.object(MD5PasswordHasher, "encode", autospec=True, side_effect=MD5PasswordHasher.encode) as encode:
        action()
    return encode.call_count


def same_for_any_row(sql):
    """The outbox row's random id and its timestamp differ from one request to the next."""
    return re.sub(r"'[0-9a-f-]{32,36}'|'\d{4}-\d\d-\d\d [\d:.]+'", "?", sql)


def login(client, email, password=WRONG):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_every_refused_login_costs_one_hash(client):
    UserFactory(email="actif@example.org")
    UserFactory(email="attente@example.org", is_active=False, email_verified_at=None)
    UserFactory(email="parti@example.org", is_active=False)
    costs = {
        email: hashes_during(lambda email=email: login(client, email))
        for email in ["inconnu@example.org", "actif@example.org", "attente@example.org", "parti@example.org"]
    }
    assert set(costs.values()) == {1}, costs


def test_inactive_account_is_still_explained_with_the_right_password(client):
    UserFactory(email="attente@example.org", is_active=False, email_verified_at=None)
    from .factories import DEFAULT_PASSWORD

    response = login(client, "attente@example.org", DEFAULT_PASSWORD)
    assert "pas encore activé" in page_text(response)


def test_signup_costs_the_same_for_a_new_and_a_taken_address(client):
    UserFactory(email="pris@example.org")
    data = {"first_name": "A", "last_name": "B", "phone": "", "password1": "Lettres-de-Mon-Moulin-42",
            "password2": "Lettres-de-Mon-Moulin-42", "consent": "on"}
    new = hashes_during(lambda: client.post(reverse("accounts:register"), {**data, "email": "neuf@example.org"}))
    taken = hashes_during(lambda: client.post(reverse("accounts:register"), {**data, "email": "pris@example.org"}))
    assert new == taken == 1


@pytest.mark.parametrize(("url", "known"), [
    ("accounts:password_reset", {"is_active": True}),
    ("accounts:activation_resend", {"is_active": False, "email_verified_at": None}),
])
def test_reset_and_resend_do_the_same_work_for_known_and_unknown_addresses(url, known, django_capture_on_commit_callbacks):
    from django.test import Client

    UserFactory(email="connu@example.org", **known)
    work = []
    for email in ["connu@example.org", "inconnu@example.org"]:
        client = Client()  # does not run the on-commit work: that is what the request queues
        client.get(reverse("accounts:login"))
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as callbacks:
            response = client.post(reverse(url), {"email": email})
        assert response.status_code == 302
        queued = sorted(getattr(callback, "func", callback).__qualname__ for callback in callbacks)
        work.append(([same_for_any_row(q["sql"].replace(email, "?")) for q in queries.captured_queries], queued))
    assert work[0] == work[1]
    assert work[0][1].count("outbox_task_dispatch") == 1  # the look-up and e-mail left for a task
