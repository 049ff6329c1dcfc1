"""The transactional outbox (core/outbox.py): follow-up work written with the
change, handed to the broker after commit, and by the relay when the broker
was down or lost it. The billing side (a payment while the broker is down, a
worker killed mid-invoice) is in billing/tests/test_broker_faults.py."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from celery import shared_task
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import AdminFactory, UserFactory
from core.emails import queue_templated_email
from core.models import OutboxEmail, OutboxTask
from core.outbox import outbox_relay, outbox_task_queue
from core.tasks import send_outbox_email

from .broker import ROOT, broker_down, use_broker  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
CONTEXT = {"first_name": "Léa", "activation_path": "/accounts/activate/x/"}
E = OutboxEmail.Status
T = OutboxTask.Status
RUNS = []


@shared_task
def record_run(label):
    RUNS.append(label)
    return label


@shared_task
def always_fails():
    raise ValueError("the work cannot be done")


@pytest.fixture(autouse=True)
def _no_runs():
    RUNS.clear()


def ago(**kwargs):
    return timezone.now() - timedelta(**kwargs)


# --- Tasks ------------------------------------------------------------------------

def test_a_task_runs_after_commit_and_its_row_is_done(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record = outbox_task_queue(task=record_run, kwargs={"label": "invoice"})
        assert RUNS == []  # nothing before the commit
    record.refresh_from_db()
    assert RUNS == ["invoice"]
    assert record.status == T.DONE and record.attempts == 1 and record.dispatched_at and record.done_at


def test_a_rolled_back_change_leaves_no_task(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            outbox_task_queue(task=record_run, kwargs={"label": "x"})
            raise RuntimeError("the change failed")
    assert not OutboxTask.objects.exists() and RUNS == []


@pytest.mark.usefixtures("broker_down")
def test_with_the_broker_down_a_task_waits_for_the_relay_and_runs_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record = outbox_task_queue(task=record_run, kwargs={"label": "invoice"})  # must not raise
    record.refresh_from_db()
    assert record.status == T.PENDING and record.dispatched_at is None and record.attempts == 0
    with pytest.raises(CommandError, match="injoignable"):
        call_command("relay_outbox", "--all")  # still down: a non-zero exit, nothing lost
    assert OutboxTask.objects.get().status == T.PENDING

    use_broker("memory://", eager=True)  # the broker is back (in-process here)
    call_command("relay_outbox", "--all")
    call_command("relay_outbox", "--all")
    record.refresh_from_db()
    assert RUNS == ["invoice"] and record.status == T.DONE


def test_a_failing_task_keeps_its_error_and_is_given_up_after_too_many_attempts(settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record = outbox_task_queue(task=always_fails, kwargs={})  # in-process: the request does not fail
    record.refresh_from_db()
    assert record.status == T.PENDING and "cannot be done" in record.last_error and record.attempts == 1
    OutboxTask.objects.filter(pk=record.pk).update(attempts=settings.OUTBOX_MAX_ATTEMPTS)
    assert outbox_relay(grace=0, stale=0).given_up == 1
    record.refresh_from_db()
    assert record.status == T.FAILED
    assert outbox_relay(grace=0, stale=0).tasks == 0  # given up: staff decide


def test_staff_relaunch_a_given_up_task_from_the_admin(client):
    record = OutboxTask.objects.create(task=record_run.name, kwargs={"label": "again"}, status=T.FAILED, attempts=20)
    client.force_login(AdminFactory())
    response = client.post(reverse("admin:core_outboxtask_changelist"), {"action": "retry", "_selected_action": [record.pk]})
    assert response.status_code == 302
    record.refresh_from_db()
    assert RUNS == ["again"] and record.status == T.DONE and record.attempts == 1
    assert client.get(reverse("admin:core_outboxtask_change", args=[record.pk])).status_code == 200


def test_the_relay_leaves_fresh_work_to_its_own_dispatch_and_takes_over_lost_work(settings):
    settings.OUTBOX_RELAY_AFTER_SECONDS = 60
    settings.OUTBOX_REDISPATCH_AFTER_SECONDS = 900
    fresh = OutboxTask.objects.create(task=record_run.name, kwargs={"label": "fresh"})
    in_flight = OutboxTask.objects.create(task=record_run.name, kwargs={"label": "in flight"}, dispatched_at=ago(minutes=5))
    never_handed = OutboxTask.objects.create(task=record_run.name, kwargs={"label": "never handed"})
    lost = OutboxTask.objects.create(task=record_run.name, kwargs={"label": "lost"}, dispatched_at=ago(minutes=20))
    done = OutboxTask.objects.create(task=record_run.name, kwargs={"label": "done"}, status=T.DONE)
    OutboxTask.objects.filter(pk__in=[never_handed.pk, lost.pk, done.pk, in_flight.pk]).update(created_at=ago(hours=1))

    old_done = OutboxTask.objects.create(task=record_run.name, kwargs={"label": "old"}, status=T.DONE)
    OutboxTask.objects.filter(pk=old_done.pk).update(created_at=ago(days=31))

    report = outbox_relay()
    assert sorted(RUNS) == ["lost", "never handed"] and report.tasks == 2
    assert OutboxTask.objects.get(pk=fresh.pk).status == T.PENDING
    assert OutboxTask.objects.get(pk=in_flight.pk).status == T.PENDING
    assert OutboxTask.objects.filter(pk=done.pk).exists() and not OutboxTask.objects.filter(pk=old_done.pk).exists()


# --- E-mails ------------------------------------------------------------------------

@pytest.mark.usefixtures("broker_down")
def test_an_email_queued_while_the_broker_is_down_is_sent_once_by_the_relay(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record = queue_templated_email(template="activation", to="lea@example.org", context=CONTEXT)  # must not raise
    record.refresh_from_db()
    assert record.status == E.QUEUED and record.dispatched_at is None and mail.outbox == []

    use_broker("memory://", eager=True)
    call_command("relay_outbox", "--all")
    call_command("relay_outbox", "--all")
    record.refresh_from_db()
    assert record.status == E.SENT and record.attempts == 1
    assert [m.to for m in mail.outbox] == [["lea@example.org"]]


def test_the_relay_sends_lost_emails_and_leaves_the_rest(settings):
    settings.OUTBOX_RELAY_AFTER_SECONDS = 60
    settings.OUTBOX_REDISPATCH_AFTER_SECONDS = 900

    def row(to, **fields):
        return OutboxEmail.objects.create(to=to, template="activation", context=CONTEXT, **fields)

    rows = {
        "fresh@example.org": row("fresh@example.org"),
        "never-handed@example.org": row("never-handed@example.org"),
        "in-flight@example.org": row("in-flight@example.org", dispatched_at=ago(minutes=5)),
        "lost@example.org": row("lost@example.org", dispatched_at=ago(minutes=20)),
        "retry-pending@example.org": row("retry-pending@example.org", status=E.RETRYING, attempts=2),
        "retry-lost@example.org": row("retry-lost@example.org", status=E.RETRYING, attempts=2),
        "failed@example.org": row("failed@example.org", status=E.FAILED, attempts=7),
        "with-pdf@example.org": row("with-pdf@example.org", has_attachments=True),
    }
    OutboxEmail.objects.exclude(to="fresh@example.org").update(created_at=ago(hours=1))
    OutboxEmail.objects.filter(to="retry-lost@example.org").update(updated_at=ago(minutes=20))

    report = outbox_relay()
    sent = sorted(m.to[0] for m in mail.outbox)
    assert sent == ["lost@example.org", "never-handed@example.org", "retry-lost@example.org"] and report.emails == 3
    # A document e-mail cut short is marked so (its own task sends a new one).
    interrupted = OutboxEmail.objects.get(pk=rows["with-pdf@example.org"].pk)
    assert interrupted.status == E.FAILED and "interrupted" in interrupted.last_error
    assert OutboxEmail.objects.get(pk=rows["failed@example.org"].pk).status == E.FAILED  # staff re-send those


def test_a_redelivered_email_task_does_not_send_twice():
    record = OutboxEmail.objects.create(to="a@example.org", template="activation", context=CONTEXT)
    for _ in range(3):  # the broker's redelivery, then the relay
        send_outbox_email.delay(record.pk)
    record.refresh_from_db()
    assert len(mail.outbox) == 1 and record.attempts == 1


def test_smtp_failing_then_back_nothing_is_lost(settings, client, django_capture_on_commit_callbacks):
    """SMTP down: the request that queued the e-mail succeeds, the e-mail ends
    FAILED (in-process there is no later) and staff re-send it once SMTP is back."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # refused
    with django_capture_on_commit_callbacks(execute=True):
        record = queue_templated_email(template="activation", to="lea@example.org", context=CONTEXT)
    record.refresh_from_db()
    assert record.status == E.FAILED and record.attempts == 1 and "refused" in record.last_error.lower()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.force_login(AdminFactory())
    client.post(reverse("admin:core_outboxemail_changelist"), {"action": "resend", "_selected_action": [record.pk]})
    client.post(reverse("admin:core_outboxemail_changelist"), {"action": "resend", "_selected_action": [record.pk]})
    record.refresh_from_db()
    assert record.status == E.SENT and [m.to for m in mail.outbox] == [["lea@example.org"]]


# --- The command ------------------------------------------------------------------

def test_the_command_reports_what_it_did(capsys):
    OutboxEmail.objects.create(to="a@example.org", template="activation", context=CONTEXT)
    call_command("relay_outbox", "--all")
    assert "0 tâche(s) et 1 e-mail(s) exécuté(es) sur place." in capsys.readouterr().out


def test_the_command_has_help():
    result = subprocess.run([sys.executable, "manage.py", "relay_outbox", "--help"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "--all" in result.stdout and "broker" in result.stdout


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "mysql", reason="the command's process shares the test database (MariaDB in CI)")
def test_the_command_runs_tasks_of_modules_its_process_never_imported():
    """`manage.py relay_outbox` is not a worker: it had imported no app's tasks
    module, found "accounts.tasks.send_password_reset" unknown and failed the
    row for good — the reset e-mail was lost."""
    user = UserFactory(email="oubli@example.org")
    row = OutboxTask.objects.create(task="accounts.tasks.send_password_reset", kwargs={"email": user.email})
    database = connection.settings_dict
    env = {
        **{key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "EMAIL_URL")},
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"mysql://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 3306}/{database['NAME']}",
    }
    result = subprocess.run([sys.executable, "manage.py", "relay_outbox", "--all"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert OutboxTask.objects.get(pk=row.pk).status == T.DONE
    assert OutboxEmail.objects.filter(to=user.email, template="password_reset", status=E.SENT).count() == 1
