"""Two admins removing each other at the same moment (needs a server database)."""

import pytest

from accounts import services
from accounts.models import User
from core.testing import run_in_threads, server_database_only

from .factories import AdminFactory

pytestmark = [pytest.mark.django_db(transaction=True), server_database_only]


def test_two_admins_deactivating_each_other_leave_one_active():
    first, second = AdminFactory(), AdminFactory()
    pairs = [(first, second), (second, first)]
    results, errors = run_in_threads(
        pairs, lambda pair: services.user_deactivate(user=pair[0], by=pair[1]).pk, threads=2
    )
    assert len(results) == 1 and len(errors) == 1 and "dernier administrateur actif" in errors[0]
    assert User.objects.filter(role=User.Role.ADMIN, is_active=True).count() == 1
