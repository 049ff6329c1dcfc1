import pytest
from django.core.cache import cache
from django.test import Client, TestCase

from accounts.auth import EmailBackend

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

    def force_login(self, user, backend=None):
        """Logs in, and puts the user in the cache as the first request of a
        real session does (accounts.auth.EmailBackend.get_user): the queries a
        test counts on its next request are those of every later request."""
        super().force_login(user, backend)
        EmailBackend().get_user(user.pk)


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
