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

Tokens and values expire after ``timeout`` seconds, which bounds what no
service announces (a notification passing its expiry date, a row edited
with a bare ``UPDATE``). Redis down: ``version`` gives a new token per call,
so every poll is a full answer computed from the database.
"""

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
    return cache.get(key) or _new_version(key, timeout)


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
        found = cache.get_many([version_key, value_key])
        token = found.get(version_key) or _new_version(version_key, timeout)
        kept = found.get(value_key)
    else:
        kept = cache.get(value_key)
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
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))
