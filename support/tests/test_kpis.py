"""support.selectors.support_kpis: aggregate queries (DurationField
arithmetic), on SQLite and on MariaDB."""

from datetime import timedelta

import pytest
from django.utils import timezone

from support.models import Ticket
from support.selectors import support_kpis
from support.tests.factories import open_ticket

pytestmark = pytest.mark.django_db


def shape(ticket, *, created, answered=None, due=None, resolved=None, status=None):
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=created, first_response_at=answered, first_response_due_at=due or created + timedelta(hours=24),
        resolved_at=resolved, **({"status": status} if status else {}))


def test_the_figures_of_the_last_30_days(client_user):
    now = timezone.now()
    day = timedelta(days=1)
    a, b, c, d, old = (open_ticket(requester=client_user) for _ in range(5))
    # Answered after 2 h (on time), resolved after 2 days.
    shape(a, created=now - 5 * day, answered=now - 5 * day + timedelta(hours=2), resolved=now - 3 * day,
          status="RESOLU")
    # Answered after 30 h (late: 24 h allowed).
    shape(b, created=now - 4 * day, answered=now - 4 * day + timedelta(hours=30))
    # Unanswered, its deadline passed: late.
    shape(c, created=now - 2 * day)
    # Unanswered but still within its deadline: not judged yet.
    shape(d, created=now - timedelta(hours=1))
    # Outside the window.
    shape(old, created=now - 40 * day, answered=now - 40 * day + timedelta(minutes=5), resolved=now - 39 * day,
          status="FERME")

    kpis = support_kpis(now=now)
    assert kpis["open"] == 3  # a is resolved, old is closed
    assert kpis["first_response"] == timedelta(hours=16)  # (2 h + 30 h) / 2
    assert kpis["resolution"] == timedelta(days=2)
    assert kpis["sla_compliance"] == 33  # 1 on time out of a, b, c


def test_no_ticket_no_figures():
    assert support_kpis() == {"open": 0, "first_response": None, "resolution": None, "sla_compliance": None}
