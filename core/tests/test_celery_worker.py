"""A real Celery worker, on the real broker: a task queued on commit runs in
another process and sends its e-mail; a failing one is retried.

Needs Redis (REDIS_URL) and a server database the worker can share with the
test (MariaDB): CI runs both. The worker is a separate `celery worker`
process with the test settings, pointed at the test database.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from config.celery_app import app
from core.emails import queue_templated_email
from core.models import OutboxEmail

ROOT = Path(__file__).resolve().parents[2]
CONTEXT = {"first_name": "Léa", "activation_path": "/accounts/activate/x/"}

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.REDIS_URL or connection.vendor != "mysql",
        reason="needs Redis and MariaDB shared with a worker process (CI runs both)",
    ),
]


def start_worker(email_url):
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"mysql://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 3306}/{database['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_URL": email_url,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config.celery_app", "worker", "--pool=solo", "--loglevel=INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"test-{os.getpid()}@localhost"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


@pytest.fixture
def real_broker():
    """Queue for real instead of running tasks in-process."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    app.control.purge()
    yield
    app.conf.task_always_eager = eager


def wait_for(predicate, timeout=40):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def stop(worker):
    worker.terminate()
    try:
        return worker.communicate(timeout=15)[0]
    except subprocess.TimeoutExpired:
        worker.kill()
        return worker.communicate()[0]


def test_a_task_queued_on_commit_runs_in_a_worker_and_sends_the_email(real_broker, tmp_path):
    worker = start_worker(f"filemail:///{tmp_path}")  # django-environ drops one slash
    try:
        with transaction.atomic():
            record = queue_templated_email(template="activation", to="lea@example.org", context=CONTEXT)
        sent = wait_for(lambda: OutboxEmail.objects.filter(pk=record.pk, status=OutboxEmail.Status.SENT).exists())
    finally:
        log = stop(worker)
    assert sent, log[-3000:]
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and "lea@example.org" in files[0].read_text()


def test_a_failing_task_is_retried_by_the_worker(real_broker):
    # Nothing listens on port 1: every SMTP connection is refused.
    worker = start_worker("smtp://127.0.0.1:1")
    try:
        with transaction.atomic():
            record = queue_templated_email(template="activation", to="lea@example.org", context=CONTEXT)
        retried = wait_for(lambda: OutboxEmail.objects.get(pk=record.pk).attempts >= 3)
    finally:
        log = stop(worker)
    assert retried, log[-3000:]
    record.refresh_from_db()
    assert record.status == OutboxEmail.Status.RETRYING and "Connection refused" in record.last_error
    assert "Retry in" in log
