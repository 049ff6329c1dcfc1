"""core.user_cache: a warm value is one cache round trip, and a value
computed before a write is never served after it."""

import pytest
from django.core.cache import cache

from core import user_cache

pytestmark = pytest.mark.django_db

NAMESPACE = "test-user-cache"


class CountingCache:
    """The cache, counting the calls that would each be a Redis round trip."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        method = getattr(cache, name)

        def counted(*args, **kwargs):
            self.calls.append(name)
            return method(*args, **kwargs)

        return counted


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()


def test_a_warm_value_is_read_in_one_round_trip(monkeypatch):
    user_cache.cached(NAMESPACE, 1, lambda: "calculé", timeout=60)
    counting = CountingCache()
    monkeypatch.setattr(user_cache, "cache", counting)
    assert user_cache.cached(NAMESPACE, 1, lambda: pytest.fail("recomputed"), timeout=60) == "calculé"
    assert counting.calls == ["get_many"]


def test_a_value_read_with_its_token_is_one_round_trip(monkeypatch):
    token = user_cache.version(NAMESPACE, 1, timeout=60)
    user_cache.cached(NAMESPACE, 1, lambda: "calculé", timeout=60, token=token)
    counting = CountingCache()
    monkeypatch.setattr(user_cache, "cache", counting)
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
