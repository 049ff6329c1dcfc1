"""The Redis cache keeps one redis-py client per pool (core.cache.SharedClientRedisCacheClient)."""

import os
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from core.cache import FailOpenRedisCache


def test_every_call_uses_the_same_client_of_its_pool():
    # No connection is opened to build a client: this holds without a Redis server.
    cache = FailOpenRedisCache("redis://127.0.0.1:6379/0", {})
    client = cache._cache.get_client()
    assert cache._cache.get_client(write=True) is client
    assert cache._cache.get_client("any key") is client


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (the MariaDB + Redis run of CI)")
def test_threads_share_the_client_and_each_reads_its_own_value():
    cache = FailOpenRedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})

    def round_trip(n):
        cache.set(f"key-{n}", {"n": n}, 30)
        return cache.get(f"key-{n}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(round_trip, range(200))) == [{"n": n} for n in range(200)]
    cache.delete_many([f"key-{n}" for n in range(200)])


def test_keys_are_not_checked_against_memcached_limits():
    """A key memcached would refuse (a space, 300 characters) raises no
    CacheKeyWarning: Redis takes it, and the check cost a walk over each key."""
    import warnings

    cache = FailOpenRedisCache("redis://127.0.0.1:6379/0", {})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cache.make_and_validate_key("une clé " + "x" * 300)


def test_replies_are_parsed_by_hiredis():
    """redis-py's C parser (requirements.txt): each poll makes three round trips."""
    from redis.utils import HIREDIS_AVAILABLE

    assert HIREDIS_AVAILABLE
