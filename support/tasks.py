"""Follow-up work of the support services, queued through the outbox
(core.outbox) in the transaction that makes the change."""

from celery import shared_task

from core.outbox import outbox_once

from . import services


@shared_task
@outbox_once
def announce_ticket(ticket_id):
    """Tell the team about a new ticket: once per ticket."""
    services.announce_new_ticket(ticket_id=ticket_id)


@shared_task
@outbox_once
def announce_assignment(ticket_id, assignee_id):
    services.announce_assignment(ticket_id=ticket_id, assignee_id=assignee_id)


@shared_task
@outbox_once
def announce_resolved(ticket_id):
    services.announce_resolved(ticket_id=ticket_id)


@shared_task
@outbox_once
def announce_sla(ticket_id, breached):
    services.announce_sla(ticket_id=ticket_id, breached=breached)


@shared_task
def auto_close_resolved_tickets():
    """Beat: resolved tickets left unanswered close themselves (idempotent)."""
    return services.tickets_auto_close()


@shared_task
def sweep_ticket_deadlines():
    """Beat: announce tickets about to breach and breached ones, once each."""
    return services.tickets_sla_sweep()
