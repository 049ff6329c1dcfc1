"""Celery queues: e-mails, PDFs and maintenance each have their own queue, so
workers scale per kind of work; a worker without -Q still consumes them all."""

import shlex
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from config.celery_app import app

ROOT = Path(__file__).resolve().parents[2]
QUEUES = {"celery", "email", "pdf", "maintenance"}


def queue_of(task_name):
    return app.amqp.router.route({}, task_name)["queue"].name


def our_tasks():
    app.loader.import_default_modules()  # what a worker registers at start
    return sorted(name for name in app.tasks if not name.startswith("celery."))


@pytest.mark.parametrize(("task_name", "queue"), [
    ("core.tasks.send_outbox_email", "email"),
    ("billing.tasks.issue_invoice_for_paid_order", "pdf"),
    ("billing.tasks.issue_missing_invoices", "pdf"),
    ("billing.tasks.resend_invoice", "pdf"),
    ("billing.tasks.send_credit_note", "pdf"),
    ("core.tasks.purge_sent_emails", "maintenance"),
    ("core.tasks.purge_upload_temp_files", "maintenance"),
    ("orders.tasks.purge_order_files", "maintenance"),
    ("notifications.tasks.purge_expired_notifications", "maintenance"),
    ("support.tasks.sweep_ticket_deadlines", "maintenance"),
    # The safety net and the announcements stay on the default queue.
    ("core.tasks.relay_outbox", "celery"),
    ("orders.tasks.announce_order_transition", "celery"),
    ("messaging.tasks.announce_message", "celery"),
    ("accounts.tasks.send_password_reset", "celery"),
])
def test_each_task_goes_to_its_queue(task_name, queue):
    assert task_name in our_tasks()
    assert queue_of(task_name) == queue


def test_every_route_names_a_real_task_and_every_task_a_declared_queue():
    tasks = our_tasks()
    assert len(tasks) > 30
    assert sorted(set(settings.CELERY_TASK_ROUTES) - set(tasks)) == []  # no typo in a route
    assert {queue_of(name) for name in tasks} == QUEUES


def test_every_periodic_job_but_the_relay_runs_off_the_default_queue():
    for job in settings.CELERY_BEAT_SCHEDULE.values():
        expected = {"celery"} if job["task"] == "core.tasks.relay_outbox" else {"maintenance", "pdf"}
        assert queue_of(job["task"]) in expected, job["task"]


def test_a_worker_without_q_consumes_every_queue():
    """`make worker` passes no -Q: Celery then consumes app.amqp.queues."""
    assert set(app.amqp.queues) == QUEUES
    makefile = (ROOT / "Makefile").read_text()
    worker_line = next(line for line in makefile.splitlines() if "celery -A config.celery_app worker" in line)
    assert " -Q" not in worker_line


def test_the_compose_workers_together_consume_every_queue_once():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    consumed = []
    for service in services.values():
        command = shlex.split(service.get("command", "")) if isinstance(service.get("command"), str) else []
        if command[:4] == ["celery", "-A", "config.celery_app", "worker"]:
            consumed += command[command.index("-Q") + 1].split(",")
    assert sorted(consumed) == sorted(QUEUES)
