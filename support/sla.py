"""SLA arithmetic: pure functions of a ticket's fields and the clock.

The targets come from settings (SUPPORT_SLA_FIRST_RESPONSE_MINUTES and
SUPPORT_SLA_RESOLUTION_MINUTES, per priority). The services call
`sla_refresh` after every change that moves a deadline.
"""

from datetime import timedelta

from django.conf import settings

from .models import Ticket

# An alert goes out once this share of the allowed time is used.
WARNING_SHARE = 0.75


def first_response_target(priority):
    return timedelta(minutes=settings.SUPPORT_SLA_FIRST_RESPONSE_MINUTES[priority])


def resolution_target(priority):
    return timedelta(minutes=settings.SUPPORT_SLA_RESOLUTION_MINUTES[priority])


def sla_set_due_times(ticket, *, start):
    """Deadlines counted from `start` (the creation, or the priority change).
    An answered ticket keeps its first-response deadline: the SLA compliance
    figure compares the answer with it."""
    if not ticket.first_response_at:
        ticket.first_response_due_at = start + first_response_target(ticket.priority)
    ticket.resolution_due_at = start + resolution_target(ticket.priority)
    sla_refresh(ticket)


def sla_pause(ticket, *, now):
    """Waiting for the client: the clock stops."""
    if ticket.paused_at is None:
        ticket.paused_at = now
    sla_refresh(ticket)


def sla_resume(ticket, *, now):
    """The client answered: deadlines move back by the time spent waiting."""
    if ticket.paused_at is not None:
        waited = now - ticket.paused_at
        if ticket.first_response_due_at and not ticket.first_response_at:
            ticket.first_response_due_at += waited
        if ticket.resolution_due_at:
            ticket.resolution_due_at += waited
        ticket.paused_at = None
    sla_refresh(ticket)


def sla_refresh(ticket):
    """Recompute the next deadline the team faces and its warning time."""
    running = ticket.status in Ticket.OPEN_STATUSES and ticket.paused_at is None
    if not running:
        ticket.sla_due_at = ticket.sla_warn_at = None
        return
    if ticket.first_response_at is None and ticket.first_response_due_at:
        due, target = ticket.first_response_due_at, first_response_target(ticket.priority)
    else:
        due, target = ticket.resolution_due_at, resolution_target(ticket.priority)
    ticket.sla_due_at = due
    ticket.sla_warn_at = due - target * (1 - WARNING_SHARE) if due else None


def sla_state(ticket, *, now):
    """"breached", "warning" or "ok" (None when no clock runs), for the queue."""
    if ticket.sla_due_at is None:
        return None
    if now >= ticket.sla_due_at:
        return "breached"
    if ticket.sla_warn_at and now >= ticket.sla_warn_at:
        return "warning"
    return "ok"
