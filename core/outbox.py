"""The transactional outbox: follow-up work that survives a broker outage.

A service that calls for follow-up work (issue an invoice, send an e-mail)
writes it as a row in its own transaction, so the change and its follow-up
are committed together or not at all. After commit the row is handed to the
broker; if the broker is unreachable the error is logged and the request goes
on — the row waits. The relay (``outbox_relay``: the ``relay_outbox`` beat
task every minute and ``manage.py relay_outbox``) hands over again what never
reached the broker, and what reached it long ago but never finished (a lost
message, a worker killed mid-task). Tasks thus run at least once: every one
of them is idempotent.

A task whose effects are database rows (notifications, e-mails queued in the
outbox, a welcome conversation) goes further with ``@outbox_once``: its work
and the DONE mark of its row are one transaction, under a lock on the row, so
a second run — a redelivery after a worker was killed, the relay handing over
a slow task again — finds the row DONE and does nothing. Exactly once.

Two kinds of rows:

- ``core.OutboxTask``: any Celery task, queued with ``outbox_task_queue()``.
  It runs under the task id ``outbox-<row id>``; when a run succeeds, a
  ``task_postrun`` signal marks the row DONE (in a worker and in-process).
- ``core.OutboxEmail``: the e-mails of ``core.emails``, with their own status.

In the embedded mode (no broker) "handing over" runs the task in-process
after commit; a failure there is recorded on the row, never raised into the
request.
"""

import functools
import hashlib
import logging
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from celery import current_app, current_task, states
from celery.signals import task_failure, task_postrun
from django.conf import settings
from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import OUTBOX_TASK_ID_PREFIX, OutboxEmail, OutboxTask

logger = logging.getLogger(__name__)

T = OutboxTask.Status
E = OutboxEmail.Status

# After a broker error, a process stops trying to publish for a few seconds:
# a request that queues five things waits for one connection error, not five.
# Whatever it skipped stays in the outbox for the relay.
BROKER_COOLDOWN_SECONDS = 10
DONE_TASK_RETENTION = timedelta(days=30)
_broker_down_until = 0.0


def broker_reset_cooldown():
    global _broker_down_until
    _broker_down_until = 0.0


def broker_dispatch(publish, *, what, force=False):
    """Call ``publish()`` (an ``apply_async``). False only if the broker is
    unavailable: the outbox row then stays for the relay.

    Never raises. In-process (eager), the task ran: its own error is logged
    and recorded on its row, and counts as handed over. ``force`` ignores the
    cool-down (the relay always tries)."""
    global _broker_down_until
    eager = current_app.conf.task_always_eager
    if not eager and not force and time.monotonic() < _broker_down_until:
        logger.warning("outbox: %s left for the relay (broker unavailable a moment ago)", what)
        return False
    try:
        publish()
    except Exception as error:
        if eager:
            logger.exception("outbox: %s failed in-process; left for the relay", what)
            return True
        _broker_down_until = time.monotonic() + BROKER_COOLDOWN_SECONDS
        logger.error("outbox: broker unavailable, %s left for the relay: %r", what, error)
        return False
    return True


def _error_text(error):
    return repr(error)[:2000]


# --- Tasks ------------------------------------------------------------------------

def outbox_task_queue(*, task, kwargs, once_key=None):
    """Record that ``task(**kwargs)`` must run once the caller's transaction
    commits, and hand it to the broker then. ``kwargs`` must be
    JSON-serialisable; the task must be idempotent (it runs at least once).

    ``once_key`` (a form's one-time submission key): queue the task at most
    once per key. The row's id is derived from the key, so the database's
    primary key refuses a second one — even from a concurrent request, which
    waits for the first to commit. Returns None when the key was queued
    already. With ``@outbox_once`` the task's effects then happen once per key."""
    if once_key is None:
        record = OutboxTask.objects.create(task=task.name, kwargs=kwargs)
    else:
        try:
            with transaction.atomic():
                record = OutboxTask.objects.create(
                    pk=outbox_once_id(task=task, once_key=once_key), task=task.name, kwargs=kwargs
                )
        except IntegrityError:
            return None
    transaction.on_commit(partial(outbox_task_dispatch, record_id=record.pk), robust=True)
    return record


def outbox_once_id(*, task, once_key):
    """The id of the row queued for ``once_key`` (see outbox_task_queue)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"outbox:{task.name}:{once_key}")


def _registered_task(name):
    """The task called ``name``. A process that is not a worker (``manage.py
    relay_outbox``, a web process) has imported only the tasks modules its
    own code used so far: import every app's tasks module before giving up."""
    task = current_app.tasks.get(name)
    if task is None:
        current_app.loader.import_default_modules()  # runs autodiscover_tasks()
        task = current_app.tasks.get(name)
    return task


def outbox_task_dispatch(*, record_id, force=False):
    """Hand one PENDING row to the broker (in-process when eager). True if handed over."""
    record = OutboxTask.objects.filter(pk=record_id, status=T.PENDING).first()
    if record is None:
        return True  # done meanwhile, or rolled back
    task = _registered_task(record.task)
    if task is None:
        OutboxTask.objects.filter(pk=record.pk).update(status=T.FAILED, last_error=f"unknown task {record.task}")
        logger.error("outbox: unknown task %s (row %s)", record.task, record.pk)
        return True

    def publish():
        try:
            task.apply_async(kwargs=record.kwargs, task_id=record.celery_task_id)
        except Exception as error:
            if current_app.conf.task_always_eager:  # the task's own error (in a worker: task_failure)
                OutboxTask.objects.filter(pk=record.pk).update(last_error=_error_text(error))
            raise

    # Counted before the hand-over: once handed, a worker may hold the row
    # (outbox_once) and an update here would wait for its work to finish.
    OutboxTask.objects.filter(pk=record.pk).update(attempts=F("attempts") + 1, dispatched_at=timezone.now())
    handed = broker_dispatch(publish, what=f"task {record.task} ({record.pk})", force=force)
    if not handed:  # the broker never got it: as it was
        OutboxTask.objects.filter(pk=record.pk).update(attempts=F("attempts") - 1, dispatched_at=record.dispatched_at)
    return handed


def _outbox_row_id(task_id):
    if not task_id or not task_id.startswith(OUTBOX_TASK_ID_PREFIX):
        return None
    try:
        return uuid.UUID(task_id[len(OUTBOX_TASK_ID_PREFIX):])
    except ValueError:
        return None


def outbox_once(function):
    """Make a task's database effects happen once per outbox row (see the
    module docstring). Decorate the function under ``@shared_task``::

        @shared_task
        @outbox_once
        def announce_something(order_id): ...

    The work runs in a transaction that first locks the row of this run
    (found by the task id, ``outbox-<row id>``): a concurrent duplicate waits
    for it, then skips. A row already DONE, or gone (purged long after it was
    done), is skipped. Called outside the outbox (no such task id), the work
    simply runs in a transaction. Only for database effects: anything the
    work does outside the database (an API call) is not rolled back with it."""

    @functools.wraps(function)
    def run_once(*args, **kwargs):
        request = getattr(current_task, "request", None) if current_task else None
        row_id = _outbox_row_id(getattr(request, "id", None))
        with transaction.atomic():
            if row_id is not None:
                row = OutboxTask.objects.select_for_update().filter(pk=row_id).only("status").first()
                if row is None or row.status == T.DONE:
                    logger.info("outbox: %s (%s) already done, skipped", function.__qualname__, row_id)
                    return None
            result = function(*args, **kwargs)
            if row_id is not None:
                # A done row keeps no arguments: they may hold personal data
                # (an address typed in a form, a password hash).
                OutboxTask.objects.filter(pk=row_id).update(status=T.DONE, done_at=timezone.now(), last_error="",
                                                            kwargs={})
        return result

    return run_once


# These receivers connect on import: core.emails imports this module, and so
# does every worker (core.tasks), before any task runs.
@task_postrun.connect(dispatch_uid="core.outbox.record_success")
def _record_success(sender=None, task_id=None, state=None, **extra):
    """A run of an outbox task succeeded: its row is DONE."""
    row_id = _outbox_row_id(task_id)
    if row_id is not None and state == states.SUCCESS:
        OutboxTask.objects.filter(pk=row_id).exclude(status=T.DONE).update(
            status=T.DONE, done_at=timezone.now(), last_error=""
        )


@task_failure.connect(dispatch_uid="core.outbox.record_failure")
def _record_failure(sender=None, task_id=None, exception=None, **extra):
    """A run failed for good (retries spent): the row keeps the error and
    stays PENDING, for the relay."""
    row_id = _outbox_row_id(task_id)
    if row_id is not None:
        OutboxTask.objects.filter(pk=row_id).exclude(status=T.DONE).update(last_error=_error_text(exception))


# --- One run at a time ------------------------------------------------------------

class ExclusiveTimeout(OperationalError):
    """Another run held the lock too long (an OperationalError: tasks retry it)."""


@contextmanager
def exclusive(key, *, timeout=60):
    """Run the block alone among every process sharing the database: the
    guard of a side effect that must not happen twice (an e-mail) when an
    idempotent task is delivered twice at once.

    A named lock of the database server (MySQL/MariaDB ``GET_LOCK``), held by
    the connection, not a transaction: no transaction stays open while the
    block talks to a mail server, and a killed process releases it at once.
    SQLite serves one process (the embedded mode): nothing to guard."""
    if connection.vendor != "mysql":
        yield
        return
    # Lock names are server-wide (64 characters): one per database.
    name = hashlib.sha256(f"{connection.settings_dict['NAME']}:{key}".encode()).hexdigest()[:64]
    with connection.cursor() as cursor:
        cursor.execute("SELECT GET_LOCK(%s, %s)", [name, timeout])
        if cursor.fetchone()[0] != 1:
            raise ExclusiveTimeout(f"{key}: still held after {timeout} s")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT RELEASE_LOCK(%s)", [name])
        except DatabaseError:  # connection lost: the server released the lock with it
            logger.warning("outbox: could not release the lock of %s", key)


# --- The relay ------------------------------------------------------------------

@dataclass
class RelayReport:
    tasks: int = 0
    emails: int = 0
    given_up: int = 0
    broker_error: bool = False

    def as_dict(self):
        return {"tasks": self.tasks, "emails": self.emails, "given_up": self.given_up,
                "broker_error": self.broker_error}


def _due(*, now, grace, stale):
    """Never handed over and older than ``grace``, or handed over before ``stale``."""
    return Q(dispatched_at__isnull=True, created_at__lte=now - grace) | Q(dispatched_at__lte=now - stale)


def outbox_relay(*, grace=None, stale=None, batch=None):
    """Hand over again what is due (see the module docstring). Stops at the
    first broker error: the rest waits for the next run. Rows handed over
    ``OUTBOX_MAX_ATTEMPTS`` times without success are given up (FAILED, in
    the admin); DONE rows older than DONE_TASK_RETENTION are deleted.
    Idempotent: a row handed over twice runs an idempotent task twice."""
    from .emails import outbox_email_dispatch  # emails builds on this module

    now = timezone.now()
    grace = timedelta(seconds=settings.OUTBOX_RELAY_AFTER_SECONDS if grace is None else grace)
    stale = timedelta(seconds=settings.OUTBOX_REDISPATCH_AFTER_SECONDS if stale is None else stale)
    batch = batch or settings.OUTBOX_RELAY_BATCH
    limit = settings.OUTBOX_MAX_ATTEMPTS
    report = RelayReport()

    report.given_up += _give_up(
        OutboxTask.objects.filter(status=T.PENDING, attempts__gte=limit), status=T.FAILED, what="task"
    )
    report.given_up += _give_up(
        OutboxEmail.objects.filter(status__in=(E.QUEUED, E.RETRYING), attempts__gte=limit, has_attachments=False),
        status=E.FAILED, what="e-mail",
    )
    # A document e-mail (sent at once by its task) still QUEUED long after was
    # cut short (a killed worker); its task sends a new one.
    OutboxEmail.objects.filter(status=E.QUEUED, has_attachments=True, created_at__lte=now - stale).update(
        status=E.FAILED, last_error="interrupted: the sending task did not finish"
    )

    # Done work is kept a while for the admin, then purged (bounded per run).
    purge = OutboxTask.objects.filter(status=T.DONE, created_at__lte=now - DONE_TASK_RETENTION)
    OutboxTask.objects.filter(pk__in=list(purge.values_list("pk", flat=True)[:1000])).delete()

    due_tasks = (OutboxTask.objects.filter(status=T.PENDING).filter(_due(now=now, grace=grace, stale=stale))
                 .order_by("created_at").values_list("pk", flat=True)[:batch])
    for row_id in due_tasks:
        if not outbox_task_dispatch(record_id=row_id, force=True):
            report.broker_error = True
            return report
        report.tasks += 1

    # RETRYING rows have a retry scheduled by their task; one still RETRYING
    # long after the longest backoff lost it (the broker was down then).
    due_emails = (
        OutboxEmail.objects.filter(has_attachments=False)
        .filter(Q(status=E.QUEUED) & _due(now=now, grace=grace, stale=stale)
                | Q(status=E.RETRYING, updated_at__lte=now - stale))
        .order_by("created_at").values_list("pk", flat=True)[:batch]
    )
    for row_id in due_emails:
        if not outbox_email_dispatch(outbox_id=row_id, force=True):
            report.broker_error = True
            return report
        report.emails += 1
    return report


def _give_up(queryset, *, status, what):
    ids = list(queryset.values_list("pk", flat=True)[:1000])
    if ids:
        queryset.model.objects.filter(pk__in=ids).update(status=status)
        logger.error("outbox: %s %s %s given up after %s attempts", len(ids), what, ids, settings.OUTBOX_MAX_ATTEMPTS)
    return len(ids)


def outbox_task_retry(*, record):
    """Staff hand a given-up (FAILED) task over again, with a fresh count."""
    if record.status != T.FAILED:
        return False
    if not OutboxTask.objects.filter(pk=record.pk, status=T.FAILED).update(status=T.PENDING, attempts=0):
        return False  # another retry (double click, two staff) took it: one hand-over
    transaction.on_commit(partial(outbox_task_dispatch, record_id=record.pk), robust=True)
    return True
