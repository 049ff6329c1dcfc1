"""A Redis cache that degrades instead of failing the request.

Redis only holds what can be lost or rebuilt: rate-limit counters and a copy
of the sessions (the database keeps them, ``cached_db``). When Redis is
unreachable, Django's RedisCache raises on every call and every login and
logged-in page answers 500. This backend turns a connection failure into a
cache miss: reads return the default, writes do nothing, a warning is
logged. django-ratelimit then fails open (RATELIMIT_FAIL_OPEN) and sessions
are read from the database.

A write that could not reach Redis leaves its old value there: a session
logged out during the outage would come back from the cache once Redis
returns. So the keys written or deleted in vain are remembered, and deleted
first thing when Redis answers again (the next read goes to the database).

After a failure the backend stops asking Redis for ``RETRY_AFTER`` seconds,
so an outage costs one connection attempt per process and period, not one
per cache call, and logs one line per period.
"""

import functools
import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError, OSError)
RETRY_AFTER = 5.0
# Beyond this many keys written in vain, the oldest are forgotten (and logged).
MAX_STALE_KEYS = 100_000


def _fail_open(default, *, writes=False):
    """Run the RedisCache method; on a connection failure return ``default(args, kwargs)``.

    ``writes``: the method changes keys; when it cannot, they are remembered
    as stale (see the module).
    """

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if self._unavailable_until <= time.monotonic():
                try:
                    self._forget_stale_keys()
                    return method(self, *args, **kwargs)
                except UNAVAILABLE as error:
                    self._mark_unavailable(method.__name__, error)
            if writes:
                self._remember_stale(method.__name__, args, kwargs)
            return default(args, kwargs)

        return wrapper

    return decorate


def _none(args, kwargs):
    return None


def _false(args, kwargs):
    return False


def _get_default(args, kwargs):
    return kwargs.get("default", args[1] if len(args) > 1 else None)


def _empty_dict(args, kwargs):
    return {}


def _empty_list(args, kwargs):
    return []


class SharedClientRedisCacheClient(RedisCacheClient):
    """Django's client builds a new ``redis.Redis`` for every cache call, and
    redis-py 8's constructor (its table of reply callbacks) costs more than
    the GET itself: ~90 µs, five times on a poll. A ``redis.Redis`` may be
    shared between threads (it takes a connection from its pool for each
    command), so one is kept per pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:  # two threads may both build one: the last kept is as good
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class FailOpenRedisCache(RedisCache):
    """RedisCache whose connection failures are cache misses (see the module)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
        self._unavailable_until = 0.0
        self._stale_keys = set()
        self._stale_lock = threading.Lock()

    def validate_key(self, key):
        """Redis takes any key. Django's check warns about memcached's limits
        by walking every character of every key, and a poll reads five keys."""

    def _mark_unavailable(self, operation, error):
        if self._unavailable_until <= time.monotonic():
            logger.warning(
                "Redis cache unreachable (%s: %s): running without it for %ss "
                "(sessions from the database, rate limits not enforced).",
                operation, error.__class__.__name__, RETRY_AFTER,
            )
        self._unavailable_until = time.monotonic() + RETRY_AFTER

    def _remember_stale(self, operation, args, kwargs):
        if operation == "set_many":
            keys = list(args[0]) if args else list(kwargs.get("data", {}))
        elif operation == "delete_many":
            keys = list(args[0]) if args else list(kwargs.get("keys", []))
        elif args:
            keys = [args[0]]
        else:
            keys = [kwargs["key"]]
        made = [self.make_key(key, version=kwargs.get("version")) for key in keys]
        with self._stale_lock:
            if len(self._stale_keys) + len(made) > MAX_STALE_KEYS:
                logger.error("more than %s cache keys written while Redis was down; not all will be refreshed",
                             MAX_STALE_KEYS)
                return
            self._stale_keys.update(made)

    def _forget_stale_keys(self):
        """Delete in Redis the keys written in vain during the outage (raises while it lasts)."""
        if not self._stale_keys:
            return
        with self._stale_lock:
            keys = list(self._stale_keys)
        for start in range(0, len(keys), 1000):
            chunk = keys[start : start + 1000]
            self._cache.delete_many(chunk)
            with self._stale_lock:
                self._stale_keys.difference_update(chunk)
        logger.warning("Redis cache back: %s key(s) written during the outage removed.", len(keys))

    get = _fail_open(_get_default)(RedisCache.get)
    has_key = _fail_open(_false)(RedisCache.has_key)
    get_many = _fail_open(_empty_dict)(RedisCache.get_many)
    set = _fail_open(_none, writes=True)(RedisCache.set)
    add = _fail_open(_false, writes=True)(RedisCache.add)
    touch = _fail_open(_false, writes=True)(RedisCache.touch)
    delete = _fail_open(_false, writes=True)(RedisCache.delete)
    incr = _fail_open(_none, writes=True)(RedisCache.incr)
    set_many = _fail_open(_empty_list, writes=True)(RedisCache.set_many)
    delete_many = _fail_open(_none, writes=True)(RedisCache.delete_many)
    clear = _fail_open(_false)(RedisCache.clear)
