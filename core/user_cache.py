"""Small per-user values kept in the cache: the header bell, the Messages
badge. They are asked for every few seconds by every open tab, and change
only when someone writes (a notification, a message, a read mark).

Each value is kept with the *version token* of (namespace, user) it was
computed under: the services that write the rows under a value call
``invalidate()``, which drops the token, so the next read makes a new one and
computes afresh. A read that computed from rows older than a write stores its
value with the old token, which no longer matches: no stale value survives a
write. The token is also the poll's ETag (``If-None-Match`` → 304, nothing
read from the database).

The value sits in one slot per (namespace, key) beside the token, not under
a key made from the token, so a warm read is one ``MGET`` of both (one Redis
round trip instead of two: the session's user and the bell are read on every
poll of every open tab). Two reads racing over the slot can only overwrite
each other's value, which the token check then refuses: a miss, never a
stale answer.

The polls go one step further (``read_ahead``): the value a view will ask
for is read in the same ``MGET`` as the session's user, the request's first
read. A poll is then two round trips: the session, then everything else.

Tokens and values expire after ``timeout`` seconds, which bounds what no
service announces (a notification passing its expiry date, a row edited
with a bare ``UPDATE``). Redis down: ``version`` gives a new token per call,
so every poll is a full answer computed from the database.
"""

import contextvars
import functools
import uuid

from django.core.cache import cache
from django.db import transaction


def _version_key(namespace, user_id):
    return f"user-cache:{namespace}:{user_id}"


def _value_key(namespace, user_id):
    return f"{_version_key(namespace, user_id)}:value"


def version(namespace, user_id, *, timeout):
    """The current token of the user's value (made if there is none)."""
    key = _version_key(namespace, user_id)
    found = _read_ahead([key])
    token = cache.get(key) if found is None else found[key]
    return token or _new_version(key, timeout)


def _new_version(key, timeout):
    token = uuid.uuid4().hex
    if not cache.add(key, token, timeout):  # another request made one first
        token = cache.get(key) or token
    return token


def cached(namespace, user_id, compute, *, timeout, token=None):
    """The user's value for ``token`` (by default the current one), or
    ``compute()`` kept with it."""
    value_key = _value_key(namespace, user_id)
    if token is None:
        version_key = _version_key(namespace, user_id)
        found = _read_ahead([version_key, value_key]) or _get_many([version_key, value_key], user_id)
        token = found.get(version_key) or _new_version(version_key, timeout)
        kept = found.get(value_key)
    else:
        found = _read_ahead([value_key])
        kept = cache.get(value_key) if found is None else found[value_key]
    if kept is not None and kept[0] == token:
        return kept[1]
    value = compute()
    cache.set(value_key, (token, value), timeout)
    return value


def invalidate(namespace, user_ids):
    """The users' values are out of date: now (a read in this transaction, or
    none is open) and again once the write is committed (a read that ran
    meanwhile may have cached the rows from before it)."""
    keys = [_version_key(namespace, user_id) for user_id in user_ids if user_id is not None]
    if not keys:
        return
    if (ahead := _ahead.get()) is not None and ahead.found:
        for key in keys:
            ahead.found.pop(key, None)  # a later read in this request asks Redis
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


class _Ahead:
    """What a view decorated with ``read_ahead`` will read, and what was read."""

    def __init__(self, namespace, key):
        self.namespace, self.key = namespace, key
        self.found = None  # before the request's first read

    def keys_for(self, user_id):
        key = self.key if self.key is not None else user_id
        return [_version_key(self.namespace, key), _value_key(self.namespace, key)]


_ahead = contextvars.ContextVar("user_cache_read_ahead", default=None)


def read_ahead(namespace, *, url_key=None):
    """View decorator for the polls: the view's value in ``namespace`` (the
    request user's, or the one the URL's ``url_key`` names) is read in the
    same ``MGET`` as the session's user, the request's first read (one Redis
    round trip fewer). Read once: a second read in the request asks Redis."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            reset = _ahead.set(_Ahead(namespace, kwargs.get(url_key) if url_key else None))
            try:
                return view(request, *args, **kwargs)
            finally:
                _ahead.reset(reset)

        return wrapper

    return decorate


def _get_many(keys, user_id):
    """The keys, and on the request's first read the keys read ahead."""
    ahead = _ahead.get()
    if ahead is None or ahead.found is not None:
        return cache.get_many(keys)
    along = ahead.keys_for(user_id)
    found = cache.get_many(keys + along)
    ahead.found = {key: found.get(key) for key in along}
    return found


def _read_ahead(keys):
    """{key: value or None} if every key was read ahead (each taken once), else None."""
    ahead = _ahead.get()
    if ahead is None or not ahead.found or not all(key in ahead.found for key in keys):
        return None
    return {key: ahead.found.pop(key) for key in keys}
