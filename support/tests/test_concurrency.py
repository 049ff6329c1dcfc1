"""Requests racing on tickets (needs a server database)."""

import pytest

from core.testing import run_in_threads, server_database_only
from support.models import Ticket
from support.services import ticket_open

pytestmark = [pytest.mark.django_db(transaction=True), server_database_only]


def test_the_same_form_sent_four_times_at_once_opens_one_ticket(client_user):
    results, errors = run_in_threads(range(4), lambda _: ticket_open(
        requester=client_user, title="Q", description="D", submission_key="same-form").pk, threads=4)
    assert errors == [] and len(set(results)) == 1
    assert Ticket.objects.count() == 1


def test_tickets_opened_at_once_get_distinct_numbers(client_user):
    results, errors = run_in_threads(range(6), lambda n: ticket_open(
        requester=client_user, title=f"Q{n}", description="D").number, threads=3)
    assert errors == [] and len(set(results)) == 6
