"""The checks behind /health: each returns None when fine, or raises.

Two depths. The public probe (load balancers, uptime robots, anyone) only
reads: it must cost nothing, since it runs every few seconds and S3 bills
each request. The internal probe (a staff session, or the
``X-Health-Token`` header equal to HEALTH_CHECK_TOKEN) also writes and
deletes an object in the storage.

Redis holds only what can be lost (a copy of the sessions, rate-limit
counters) and carries the Celery broker, whose undelivered work the outbox
relays later: when only the cache and the broker fail, the site still works
and the status is "degraded", not down.
"""

import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

DISABLED = "disabled"
# Failing alone, these leave the site usable (sessions from the database,
# rate limits open, tasks relayed by the outbox).
DEGRADABLE = frozenset({"cache", "broker"})
STORAGE_PROBE_NAME = "health/probe.txt"


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache():
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return the value it stored")
    cache.delete(key)


def check_broker():
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return DISABLED
    from config.celery_app import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def check_storage_read():
    """One read request (a HEAD on S3): the storage answers and lets us in."""
    default_storage.exists(STORAGE_PROBE_NAME)


def check_storage_write():
    name = default_storage.save(f"health/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    default_storage.delete(name)


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "storage": check_storage_read,
}

OK, DEGRADED, ERROR = "OK", "DEGRADED", "ERROR"


def run_checks(*, deep=False):
    """Return (status, {name: "ok" | "disabled" | "error"}); status is OK, DEGRADED or ERROR."""
    # The internal probe replaces the read-only storage check with a write.
    checks = {**CHECKS, "storage": check_storage_write} if deep else CHECKS
    results = {}
    for name, check in checks.items():
        try:
            results[name] = check() or "ok"
        except Exception:  # noqa: BLE001 — any failure means the check failed
            results[name] = "error"
    failed = {name for name, result in results.items() if result == "error"}
    if not failed:
        return OK, results
    return (DEGRADED if failed <= DEGRADABLE else ERROR), results
