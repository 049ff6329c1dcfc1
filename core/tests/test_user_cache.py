"""core.user_cache: a warm value is one cache round trip, and a value
computed before a write is never served after it."""

import pytest
from django.core.cache import cache

from core import user_cache
from core.testing import CountingCache

pytestmark = pytest.mark.django_db

NAMESPACE = "test-user-cache"


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()


def test_a_warm_value_is_read_in_one_round_trip(monkeypatch):
    user_cache.cached(NAMESPACE, 1, lambda: "calculé", timeout=60)
    counting = CountingCache.on(user_cache, monkeypatch)
    assert user_cache.cached(NAMESPACE, 1, lambda: pytest.fail("recomputed"), timeout=60) == "calculé"
    assert counting.calls == ["get_many"]


def test_a_value_read_with_its_token_is_one_round_trip(monkeypatch):
    token = user_cache.version(NAMESPACE, 1, timeout=60)
    user_cache.cached(NAMESPACE, 1, lambda: "calculé", timeout=60, token=token)
    counting = CountingCache.on(user_cache, monkeypatch)
    assert user_cache.cached(NAMESPACE, 1, lambda: pytest.fail("recomputed"), timeout=60, token=token) == "calculé"
    assert counting.calls == ["get"]


def test_a_value_computed_before_a_write_and_kept_after_it_is_not_served():
    """A read takes the token, the write drops it, then the read keeps what
    it computed from the rows of before: the next read computes afresh."""
    old_token = user_cache.version(NAMESPACE, 1, timeout=60)
    user_cache.invalidate(NAMESPACE, [1])
    user_cache.cached(NAMESPACE, 1, lambda: "avant", timeout=60, token=old_token)
    assert user_cache.cached(NAMESPACE, 1, lambda: "après", timeout=60) == "après"


def test_a_late_read_overwriting_a_fresh_value_makes_a_miss_not_a_stale_answer():
    old_token = user_cache.version(NAMESPACE, 1, timeout=60)
    user_cache.invalidate(NAMESPACE, [1])
    assert user_cache.cached(NAMESPACE, 1, lambda: "après", timeout=60) == "après"
    user_cache.cached(NAMESPACE, 1, lambda: "avant", timeout=60, token=old_token)  # the slow read lands last
    assert user_cache.cached(NAMESPACE, 1, lambda: "recalculé", timeout=60) != "avant"


def test_a_missing_row_is_kept_too_until_a_write():
    """None (a deleted user) is a value like another: kept with its token."""
    assert user_cache.cached(NAMESPACE, 1, lambda: None, timeout=60) is None
    assert user_cache.cached(NAMESPACE, 1, lambda: pytest.fail("recomputed"), timeout=60) is None
    user_cache.invalidate(NAMESPACE, [1])
    assert user_cache.cached(NAMESPACE, 1, lambda: "créé", timeout=60) == "créé"


def read_ahead_view(namespace, reads, **decorator):
    """A view decorated with read_ahead that runs ``reads()`` as its request would."""

    @user_cache.read_ahead(namespace, **decorator)
    def view(request, **kwargs):
        return reads()

    return view


def test_a_poll_reads_its_value_with_the_users_in_one_round_trip(monkeypatch):
    user_cache.cached("session-user-test", 7, lambda: "utilisateur", timeout=60)
    token = user_cache.version(NAMESPACE, 7, timeout=60)
    counting = CountingCache.on(user_cache, monkeypatch)

    def reads():
        user = user_cache.cached("session-user-test", 7, lambda: pytest.fail("recomputed"), timeout=60)
        return user, user_cache.version(NAMESPACE, 7, timeout=60)

    assert read_ahead_view(NAMESPACE, reads)(None) == ("utilisateur", token)
    assert counting.calls == ["get_many"]


def test_a_value_named_by_the_url_is_read_ahead_too(monkeypatch):
    user_cache.cached("session-user-test", 7, lambda: "utilisateur", timeout=60)
    user_cache.cached(NAMESPACE, "conversation-3", lambda: "état", timeout=60)
    counting = CountingCache.on(user_cache, monkeypatch)

    def reads():
        user_cache.cached("session-user-test", 7, lambda: pytest.fail("recomputed"), timeout=60)
        return user_cache.cached(NAMESPACE, "conversation-3", lambda: pytest.fail("recomputed"), timeout=60)

    assert read_ahead_view(NAMESPACE, reads, url_key="pk")(None, pk="conversation-3") == "état"
    assert counting.calls == ["get_many"]


def test_a_write_in_the_request_is_not_hidden_by_what_was_read_ahead():
    user_cache.cached("session-user-test", 7, lambda: "utilisateur", timeout=60)
    before = user_cache.version(NAMESPACE, 7, timeout=60)

    def reads():
        user_cache.cached("session-user-test", 7, lambda: "utilisateur", timeout=60)
        user_cache.invalidate(NAMESPACE, [7])
        return user_cache.version(NAMESPACE, 7, timeout=60)

    assert read_ahead_view(NAMESPACE, reads)(None) != before


def test_what_was_read_ahead_ends_with_the_request(monkeypatch):
    user_cache.version(NAMESPACE, 7, timeout=60)

    def reads():
        return user_cache.cached("session-user-test", 7, lambda: "utilisateur", timeout=60)

    read_ahead_view(NAMESPACE, reads)(None)
    counting = CountingCache.on(user_cache, monkeypatch)
    user_cache.version(NAMESPACE, 7, timeout=60)
    assert counting.calls == ["get"]
