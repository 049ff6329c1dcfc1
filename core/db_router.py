"""Reads on a replica, for the code that asks for it (DATABASE_REPLICA_URL).

A replica lags behind the primary by some milliseconds to seconds, so only
reads that can live with that go there, and only when they say so:

    with read_replica():
        sections = dashboard(now)

Everything else reads and writes the primary, and so does a request (or a
command, a task) from its first write on: once it has written, it reads its
own writes. Migrations run on the primary only; the replica receives them
through replication. Without DATABASE_REPLICA_URL there is no "replica" alias
and no router, and ``read_replica()`` changes nothing.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.core.signals import request_started

PRIMARY = "default"
REPLICA = "replica"

# Context variables: each thread (a gunicorn gthread worker serves one
# request per thread) and each asyncio task has its own values.
_replica_wanted = ContextVar("replica_wanted", default=False)
_has_written = ContextVar("has_written", default=False)


@contextmanager
def read_replica():
    """Send the reads of the block to the replica, unless this request has
    written already (or writes inside the block: from then on, the primary)."""
    token = _replica_wanted.set(True)
    try:
        yield
    finally:
        _replica_wanted.reset(token)


def primary_pin_reset(**_signal_kwargs):
    """A new request has not written yet (connected to ``request_started``:
    a thread serves many requests one after the other)."""
    _has_written.set(False)


request_started.connect(primary_pin_reset, dispatch_uid="core.db_router.primary_pin_reset")


class ReplicaRouter:
    """Installed by the settings only when DATABASE_REPLICA_URL is set."""

    def db_for_read(self, model, **hints):
        if _replica_wanted.get() and not _has_written.get():
            return REPLICA
        return PRIMARY

    def db_for_write(self, model, **hints):
        # Also asked for select_for_update() and get_or_create(): reads
        # that lead to a write. Either way, this request now reads its own
        # writes from the primary.
        _has_written.set(True)
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # The same data on both: an order read from the replica may point to
        # a user read from the primary.
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY
