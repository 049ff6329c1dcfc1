"""The support part of the RGPD export and anonymisation.

Tickets stay on anonymisation, as the messages of their conversations do
(messaging keeps them): they are the team's record of what was asked and
answered, and their requester becomes the anonymised account. What the
person wrote about themself outside the conversation — the satisfaction
comment — goes; tickets still open are cancelled (nobody will answer them).
"""

from django.db import transaction
from django.utils import timezone

from .models import Ticket, TicketEvent
from .selectors import desk_changed


def _iso(value):
    return value.isoformat() if value else None


def export_tickets(user):
    return [
        {
            "number": ticket.number, "title": ticket.title, "description": ticket.description,
            "category": ticket.category, "priority": ticket.priority, "status": ticket.status,
            "source": ticket.source, "order": str(ticket.order_id) if ticket.order_id else None,
            "conversation": str(ticket.conversation_id) if ticket.conversation_id else None,
            "created_at": _iso(ticket.created_at), "first_response_at": _iso(ticket.first_response_at),
            "resolved_at": _iso(ticket.resolved_at), "closed_at": _iso(ticket.closed_at),
            "satisfaction_score": ticket.satisfaction_score, "satisfaction_comment": ticket.satisfaction_comment,
        }
        for ticket in Ticket.objects.filter(requester=user).order_by("created_at")
    ]


def anonymise_tickets(user):
    now = timezone.now()
    with transaction.atomic():
        Ticket.objects.filter(requester=user).exclude(satisfaction_comment="").update(satisfaction_comment="")
        # ... and from the tickets' past versions (field history), which keep every value.
        Ticket.history.filter(requester=user).exclude(satisfaction_comment="").update(satisfaction_comment="")
        still_open = Ticket.objects.select_for_update().filter(
            requester=user, status__in=(*Ticket.UNRESOLVED_STATUSES, Ticket.Status.RESOLU))
        for ticket in still_open:
            TicketEvent.objects.create(ticket=ticket, kind=TicketEvent.Kind.STATUS, actor=None,
                                       from_value=ticket.status, to_value=Ticket.Status.ANNULE,
                                       note="Compte supprimé")
        still_open.update(status=Ticket.Status.ANNULE, sla_due_at=None, sla_warn_at=None, closed_at=now,
                          paused_at=None)
        desk_changed()  # a bulk update sends no signal
