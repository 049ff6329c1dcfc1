"""A Redis cache that degrades instead of failing the request.

Redis only holds what can be lost or rebuilt: rate-limit counters and a copy
of the sessions (the database keeps them, ``cached_db``). When Redis is
unreachable, Django's RedisCache raises on every call and every login and
logged-in page answers 500. This backend turns a connection failure into a
cache miss: reads return the default, writes do nothing, a warning is
logged. django-ratelimit then fails open (RATELIMIT_FAIL_OPEN) and sessions
are read from the database.

After a failure the backend stops asking Redis for ``RETRY_AFTER`` seconds,
so an outage costs one connection attempt per process and period, not one
per cache call, and logs one line per period.
"""

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError, OSError)
RETRY_AFTER = 5.0


def _fail_open(default):
    """Run the RedisCache method; on a connection failure return ``default(args, kwargs)``."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if self._unavailable_until > time.monotonic():
                return default(args, kwargs)
            try:
                return method(self, *args, **kwargs)
            except UNAVAILABLE as error:
                self._mark_unavailable(method.__name__, error)
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


class FailOpenRedisCache(RedisCache):
    """RedisCache whose connection failures are cache misses (see the module)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._unavailable_until = 0.0

    def _mark_unavailable(self, operation, error):
        if self._unavailable_until == 0.0 or self._unavailable_until <= time.monotonic():
            logger.warning(
                "Redis cache unreachable (%s: %s): running without it for %ss "
                "(sessions from the database, rate limits not enforced).",
                operation, error.__class__.__name__, RETRY_AFTER,
            )
        self._unavailable_until = time.monotonic() + RETRY_AFTER

    get = _fail_open(_get_default)(RedisCache.get)
    set = _fail_open(_none)(RedisCache.set)
    add = _fail_open(_false)(RedisCache.add)
    touch = _fail_open(_false)(RedisCache.touch)
    delete = _fail_open(_false)(RedisCache.delete)
    has_key = _fail_open(_false)(RedisCache.has_key)
    incr = _fail_open(_none)(RedisCache.incr)
    get_many = _fail_open(_empty_dict)(RedisCache.get_many)
    set_many = _fail_open(_empty_list)(RedisCache.set_many)
    delete_many = _fail_open(_none)(RedisCache.delete_many)
    clear = _fail_open(_false)(RedisCache.clear)
