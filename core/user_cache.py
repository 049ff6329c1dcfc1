"""Small per-user values kept in the cache: the header bell, the Messages
badge. They are asked for every few seconds by every open tab, and change
only when someone writes (a notification, a message, a read mark).

Each value lives under a *version token* of (namespace, user): the services
that write the rows under a value call ``invalidate()``, which drops the
token, so the next read makes a new one and computes afresh. A read that
computed from rows older than a write stores its value under the old token,
which nobody reads again: no stale value survives a write. The token is also
the poll's ETag (``If-None-Match`` → 304, nothing read from the database).

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


def version(namespace, user_id, *, timeout):
    """The current token of the user's value (made if there is none)."""
    key = _version_key(namespace, user_id)
    token = cache.get(key)
    if token is None:
        token = uuid.uuid4().hex
        if not cache.add(key, token, timeout):  # another request made one first
            token = cache.get(key) or token
    return token


def cached(namespace, user_id, compute, *, timeout, token=None):
    """The user's value for the current token (``compute()`` on a miss)."""
    token = token or version(namespace, user_id, timeout=timeout)
    key = f"{_version_key(namespace, user_id)}:{token}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout)
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
