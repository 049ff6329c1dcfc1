"""The logged-in user comes from the cache (accounts.auth.EmailBackend.get_user):
one query less on every request, and nothing stale after a save or a delete."""

import pytest
from django.contrib.auth import get_user
from django.test import RequestFactory
from django.urls import reverse

from accounts.auth import SESSION_USER_CACHE
from core import user_cache

from .factories import UserFactory

pytestmark = pytest.mark.django_db

BACKEND = "accounts.auth.EmailBackend"


def users_table_reads(queries):
    return [q["sql"] for q in queries.captured_queries if 'FROM "accounts_user"' in q["sql"]
            or "FROM `accounts_user`" in q["sql"]]


def client_request(client):
    """A request carrying the client's session, as the next page would."""
    request = RequestFactory().get("/")
    request.session = client.session
    return request


def test_a_request_reads_the_user_from_the_cache(client, django_assert_max_num_queries):
    user = UserFactory()
    client.force_login(user, backend=BACKEND)
    user_cache.invalidate(SESSION_USER_CACHE, [user.pk])  # as after a real login (the test client caches it)
    url = reverse("accounts:profile")
    with django_assert_max_num_queries(10) as first:
        assert client.get(url).status_code == 200
    assert len(users_table_reads(first)) == 1
    with django_assert_max_num_queries(10) as second:
        assert client.get(url).status_code == 200
    assert users_table_reads(second) == []


def test_a_saved_change_shows_on_the_next_request(client):
    user = UserFactory(first_name="Avant")
    client.force_login(user, backend=BACKEND)
    client.get(reverse("accounts:profile"))  # cached
    user.first_name = "Après"
    user.save(update_fields=["first_name"])
    assert get_user(client_request(client)).first_name == "Après"


def test_a_deactivated_account_is_logged_out_at_once(client):
    user = UserFactory()
    client.force_login(user, backend=BACKEND)
    client.get(reverse("accounts:profile"))  # cached while active
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_a_password_change_elsewhere_ends_the_other_sessions(client):
    user = UserFactory()
    client.force_login(user, backend=BACKEND)
    client.get(reverse("accounts:profile"))  # cached with the old password hash
    user.set_password("Un-autre-mot-de-passe-42")
    user.save()
    assert get_user(client_request(client)).is_anonymous


def test_a_deleted_account_is_logged_out(client):
    user = UserFactory()
    client.force_login(user, backend=BACKEND)
    client.get(reverse("accounts:profile"))
    user.delete()
    assert get_user(client_request(client)).is_anonymous
