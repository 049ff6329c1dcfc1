"""Point the Celery app at a broker for a test: a closed port (the broker is
down), the real Redis, or none (tasks run in-process)."""

from contextlib import contextmanager
from pathlib import Path

import pytest

from config.celery_app import app
from core.outbox import broker_reset_cooldown

ROOT = Path(__file__).resolve().parents[2]
# Nothing listens on port 1: every connection is refused at once.
CLOSED_BROKER = "redis://127.0.0.1:1/0"


def use_broker(url, *, eager):
    """Publish to ``url`` (``eager``: run tasks in-process instead)."""
    app.conf.broker_url = url
    app.conf.task_always_eager = eager
    # The connection and producer pools were made for the previous URL.
    app._pool = None
    app.amqp._producer_pool = None
    broker_reset_cooldown()


@contextmanager
def broker(url, *, eager):
    saved = app.conf.broker_url, app.conf.task_always_eager
    use_broker(url, eager=eager)
    try:
        yield
    finally:
        use_broker(saved[0], eager=saved[1])


@pytest.fixture
def broker_down():
    """The broker is unreachable; ``use_broker(...)`` brings one back."""
    with broker(CLOSED_BROKER, eager=False):
        yield
