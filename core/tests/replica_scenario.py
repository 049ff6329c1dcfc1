"""Run by test_db_router.py in a process of its own, with DATABASE_URL and
DATABASE_REPLICA_URL naming two real databases of the same schema that are
NOT replicated: a row put in one only shows where each read went. Prints
what it saw as JSON; the test asserts.
"""

import io
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.signals import request_started  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import User  # noqa: E402
from core.dashboard import dashboard  # noqa: E402
from core.db_router import read_replica  # noqa: E402
from core.models import AuditLog  # noqa: E402

CLIENTS_FIGURE = "Clients actifs"


def clients(count, prefix):
    return [User(email=f"{prefix}-{i}@example.test", role=User.Role.USER, is_active=True, password="!")
            for i in range(count)]


def clients_on_dashboard(sections):
    return next(figure.value for section in sections for figure in section.figures
                if str(figure.label) == CLIENTS_FIGURE)


def per_alias(action):
    """(result, queries on the primary, queries on the replica)."""
    with CaptureQueriesContext(connections["default"]) as primary, \
            CaptureQueriesContext(connections["replica"]) as replica:
        result = action()
    return result, len(primary), len(replica)


def new_request():
    # What the WSGI handler sends before each request.
    request_started.send(sender=None)


def main():
    setup_test_environment()  # the test client then keeps each response's context
    seen = {"routers": settings.DATABASE_ROUTERS, "aliases": sorted(connections.settings)}
    # Explicit using=: no router involved. The replica "is ahead" by 5 clients.
    User.objects.db_manager("default").bulk_create(clients(2, "primary"))
    User.objects.db_manager("replica").bulk_create(clients(5, "replica"))
    staff = User.objects.create_superuser(email="staff@example.test", password="x" * 12, first_name="A",
                                          last_name="B")

    new_request()
    seen["count_outside"] = User.objects.filter(role=User.Role.USER).count()
    sections, seen["dashboard_primary_queries"], seen["dashboard_replica_queries"] = per_alias(dashboard)
    seen["dashboard_clients"] = clients_on_dashboard(sections)

    out = io.StringIO()
    call_command("stats", "--json", stdout=out)
    figures = [figure for section in json.loads(out.getvalue())["sections"] for figure in section["figures"]]
    seen["stats_clients"] = next(f["value"] for f in figures if f["label"] == CLIENTS_FIGURE)

    # Read-after-write: from its first write on, the request reads the primary.
    new_request()
    with read_replica():
        seen["before_write"] = per_alias(lambda: User.objects.filter(role=User.Role.USER).count())
        User.objects.create_user(email="written@example.test", password="x" * 12, first_name="C", last_name="D")
        seen["after_write"] = per_alias(lambda: User.objects.filter(role=User.Role.USER).count())
    seen["after_the_block"] = per_alias(lambda: User.objects.filter(role=User.Role.USER).count())
    new_request()
    with read_replica():
        seen["next_request"] = per_alias(lambda: User.objects.filter(role=User.Role.USER).count())

    # The admin's home page, through the whole request cycle.
    browser = Client()
    browser.force_login(staff)
    response, seen["admin_primary_queries"], seen["admin_replica_queries"] = per_alias(
        lambda: browser.get(reverse("admin:index")))
    seen["admin_status"] = response.status_code
    seen["admin_clients"] = clients_on_dashboard(response.context["dashboard_sections"])

    # An append-only log's list: its rows from the replica.
    AuditLog.objects.db_manager("replica").bulk_create(
        [AuditLog(action="test.replica", actor_email="on-replica@example.test")])
    response, seen["audit_primary_queries"], seen["audit_replica_queries"] = per_alias(
        lambda: browser.get(reverse("admin:core_auditlog_changelist")))
    seen["audit_status"] = response.status_code
    seen["audit_shows_the_replica_row"] = "on-replica@example.test" in response.content.decode()
    print(json.dumps(seen))


if __name__ == "__main__":
    main()
