"""support.sla: deadlines per priority, the clock stopped while waiting for
the client, the 75 % warning and the breach."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings

from support import sla
from support.models import Ticket

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
S = Ticket.Status


def new_ticket(priority):
    ticket = Ticket(priority=priority, status=S.OUVERT)
    sla.sla_set_due_times(ticket, start=START)
    return ticket


@pytest.mark.parametrize("priority, first_hours, resolution_hours", [
    ("FAIBLE", 48, 240), ("NORMALE", 24, 120), ("HAUTE", 4, 48), ("URGENTE", 1, 24), ("CRITIQUE", 0.25, 8),
])
def test_deadlines_per_priority(priority, first_hours, resolution_hours):
    assert settings.SUPPORT_SLA_FIRST_RESPONSE_MINUTES[priority] == first_hours * 60
    ticket = new_ticket(priority)
    assert ticket.first_response_due_at == START + timedelta(hours=first_hours)
    assert ticket.resolution_due_at == START + timedelta(hours=resolution_hours)
    # The team first faces the first-response deadline, warned at 75 % of it.
    assert ticket.sla_due_at == ticket.first_response_due_at
    assert ticket.sla_warn_at == START + timedelta(hours=first_hours) * 0.75


def test_after_the_first_answer_the_resolution_deadline_counts():
    ticket = new_ticket("HAUTE")
    ticket.first_response_at, ticket.status = START + timedelta(hours=1), S.EN_COURS
    sla.sla_refresh(ticket)
    assert ticket.sla_due_at == START + timedelta(hours=48)
    assert ticket.sla_warn_at == START + timedelta(hours=36)


def test_waiting_for_the_client_stops_the_clock_and_pushes_deadlines_back():
    ticket = new_ticket("NORMALE")
    ticket.status = S.EN_ATTENTE
    sla.sla_pause(ticket, now=START + timedelta(hours=2))
    assert ticket.sla_due_at is None and ticket.sla_warn_at is None
    assert sla.sla_state(ticket, now=START + timedelta(days=30)) is None
    ticket.status = S.EN_COURS
    sla.sla_resume(ticket, now=START + timedelta(hours=12))
    assert ticket.paused_at is None
    assert ticket.first_response_due_at == START + timedelta(hours=34)
    assert ticket.resolution_due_at == START + timedelta(hours=130)
    assert ticket.sla_due_at == START + timedelta(hours=34)


def test_a_second_pause_keeps_the_first_start():
    ticket = new_ticket("NORMALE")
    ticket.status = S.EN_ATTENTE
    sla.sla_pause(ticket, now=START + timedelta(hours=1))
    sla.sla_pause(ticket, now=START + timedelta(hours=5))
    assert ticket.paused_at == START + timedelta(hours=1)


def test_warning_at_75_percent_then_breach():
    ticket = new_ticket("URGENTE")  # 1 h
    assert sla.sla_state(ticket, now=START + timedelta(minutes=44)) == "ok"
    assert sla.sla_state(ticket, now=START + timedelta(minutes=45)) == "warning"
    assert sla.sla_state(ticket, now=START + timedelta(minutes=60)) == "breached"


def test_a_priority_change_keeps_the_first_response_deadline_once_answered():
    ticket = new_ticket("NORMALE")
    ticket.first_response_at, ticket.status = START + timedelta(hours=1), S.EN_COURS
    ticket.priority = "URGENTE"
    sla.sla_set_due_times(ticket, start=START + timedelta(hours=2))
    assert ticket.first_response_due_at == START + timedelta(hours=24)
    assert ticket.resolution_due_at == START + timedelta(hours=26)
    assert ticket.sla_due_at == ticket.resolution_due_at


def test_no_clock_once_resolved_or_closed():
    for status in (S.RESOLU, S.FERME, S.ANNULE):
        ticket = new_ticket("NORMALE")
        ticket.status = status
        sla.sla_refresh(ticket)
        assert ticket.sla_due_at is None
