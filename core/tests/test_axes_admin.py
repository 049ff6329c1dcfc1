"""The axes login-journal admin pages on MySQL/MariaDB without time-zone
tables (a fresh server's default): they used to answer 500."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import AdminFactory

pytestmark = pytest.mark.django_db

MODELS = [AccessAttempt, AccessLog, AccessFailureLog]


@pytest.fixture
def journal():
    now = timezone.now()
    common = {"user_agent": "pytest", "ip_address": "10.0.0.1", "username": "a@example.org",
              "http_accept": "*/*", "path_info": "/accounts/login/"}
    AccessAttempt.objects.create(**common, get_data="", post_data="", failures_since_start=1)
    AccessLog.objects.create(**common, attempt_time=now)
    AccessFailureLog.objects.create(**common, attempt_time=now, locked_out=False)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_axes_admin_pages_answer(client, journal, model):
    client.force_login(AdminFactory())
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    changelist = client.get(reverse(f"{prefix}_changelist"))
    assert changelist.status_code == 200
    assert "a@example.org" in changelist.content.decode()
    # The date filter replaces the date hierarchy.
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    filtered = client.get(
        reverse(f"{prefix}_changelist"),
        {"attempt_time__gte": str(midnight), "attempt_time__lt": str(midnight + timedelta(days=1))},
    )
    assert filtered.status_code == 200
    assert "a@example.org" in filtered.content.decode()
    change = client.get(reverse(f"{prefix}_change", args=[model.objects.get(username="a@example.org").pk]))
    assert change.status_code == 200
