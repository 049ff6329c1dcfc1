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
