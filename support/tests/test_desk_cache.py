"""The queue's tab counts and figures (support.selectors.desk_figures) come
from the cache until a ticket is written: every write shows at the next
view, and a warm queue page costs the same whatever the number of tickets."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from support import services
from support.models import Ticket
from support.personal_data import anonymise_tickets
from support.tests.factories import open_ticket

pytestmark = pytest.mark.django_db


def tab_count(client, tab):
    """The count in the badge of a queue tab's button."""
    page = client.get("/support/").content.decode()
    button = page[page.index(f'href="?tab={tab}"'):]
    return int(re.search(r'<span class="badge badge--neutral">(\d+)</span>', button).group(1))


def test_the_queue_counts_follow_every_write(client, staff, client_user):
    client.force_login(staff)
    first = open_ticket(requester=client_user)
    assert tab_count(client, "unassigned") == 1
    second = open_ticket(requester=client_user)  # through the service: a post_save
    assert tab_count(client, "unassigned") == 2
    services.ticket_take(ticket=first, by=staff)
    assert tab_count(client, "unassigned") == 1 and tab_count(client, "mine") == 1
    second.delete()
    assert tab_count(client, "unassigned") == 0
    anonymise_tickets(client_user)  # a bulk update closes the open ones
    assert tab_count(client, "mine") == 0 and Ticket.objects.get(pk=first.pk).status == Ticket.Status.ANNULE


def test_a_warm_queue_reads_neither_counts_nor_figures(client, staff, client_user):
    client.force_login(staff)

    def queue_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/support/").status_code == 200
        return [query["sql"] for query in queries.captured_queries]

    open_ticket(requester=client_user)
    cold = queue_queries()
    warm = queue_queries()
    assert len(warm) < len(cold)
    assert not any("AVG(" in sql or "CASE WHEN" in sql for sql in warm)
    # More tickets are written (the figures are recomputed once), then read warm at the same cost.
    for _ in range(10):
        open_ticket(requester=client_user)
    queue_queries()
    assert len(queue_queries()) == len(warm)


def test_a_ticket_late_by_the_clock_alone_is_listed_in_breached_at_once(client, staff, client_user):
    client.force_login(staff)
    ticket = open_ticket(requester=client_user, title="Bientôt en retard")
    assert "Bientôt en retard" not in client.get("/support/?tab=breached").content.decode()  # counts now cached
    # Its deadline passes: no write, no signal (a bare update stands for the clock).
    Ticket.objects.filter(pk=ticket.pk).update(sla_due_at="2020-01-01T00:00:00Z")
    assert ">Bientôt en retard</a>" in client.get("/support/?tab=breached").content.decode()


def listed(client, tab="unassigned"):
    """The titles of the tab's tickets, as its rows link them."""
    page = client.get(f"/support/?tab={tab}").content.decode()
    return re.findall(r'<a href="[^"]*/tickets/\d+/">([^<]+)</a>', page)


def test_a_warm_tab_reads_no_ticket_and_follows_every_write(client, staff, client_user):
    client.force_login(staff)
    first = open_ticket(requester=client_user, title="Premier")
    assert listed(client) == ["Premier"]
    with CaptureQueriesContext(connection) as queries:
        listed(client)
    assert not [query for query in queries if "support_ticket" in query["sql"]]
    open_ticket(requester=client_user, title="Second")
    assert sorted(listed(client)) == ["Premier", "Second"]
    services.ticket_take(ticket=first, by=staff)
    assert listed(client) == ["Second"] and listed(client, "mine") == ["Premier"]


def test_each_staff_member_has_their_own_tab_mine(client, staff, client_user):
    from accounts.tests.factories import AdminFactory

    client.force_login(staff)
    services.ticket_take(ticket=open_ticket(requester=client_user, title="À moi"), by=staff)
    assert listed(client, "mine") == ["À moi"]
    client.force_login(AdminFactory())
    assert listed(client, "mine") == []


def test_a_rows_time_left_follows_the_clock(client, staff, client_user, monkeypatch):
    """The rows come from the per-row cache; the SLA's time left is in their key."""
    from datetime import timedelta

    from support.templatetags.support_tags import time_left

    client.force_login(staff)
    ticket = open_ticket(requester=client_user, title="Horloge")
    services.ticket_take(ticket=ticket, by=staff)
    due = Ticket.objects.get(pk=ticket.pk).sla_due_at
    for hours in (1, 3):
        now = due - timedelta(hours=hours, minutes=10)
        monkeypatch.setattr("django.utils.timezone.now", lambda now=now: now)
        assert time_left(due, now) in client.get("/support/?tab=mine").content.decode()
    assert time_left(due, now) == "reste 3 h 10 min"
