import pytest
from django.core.cache import cache
from django.test import Client, TestCase

pytest_plugins = ["orders.tests.fixtures"]


class CommittingClient(Client):
    """A test client whose requests run their on-commit callbacks.

    pytest-django wraps each test in a transaction that never commits, so the
    e-mails and tasks a view queues with transaction.on_commit() would never
    run. A real request commits when it ends; this client does the same.
    """

    def request(self, **request):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


@pytest.fixture
def client():
    return CommittingClient()


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    """Uploaded files of a test land in its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache: each test starts from zero."""
    cache.clear()
    yield
    cache.clear()
