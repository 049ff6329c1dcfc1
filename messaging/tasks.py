"""Follow-up work of the messaging services, queued through the outbox
(core.outbox) in the transaction that writes the message."""

import uuid

from celery import shared_task

from core.outbox import outbox_once

from . import services


@shared_task
@outbox_once
def announce_message(message_id, recipient_ids, emailed_ids, alert_team, team_emailed):
    """Notify the other participants (and e-mail those whose slot was
    claimed), and alert the team when a client waits: once per message."""
    services._announce(message_id=message_id, recipient_ids=recipient_ids, emailed_ids={uuid.UUID(user_id) for user_id in emailed_ids},
                       alert_team=alert_team, team_emailed=team_emailed)
