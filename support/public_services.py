"""Contact and free-sample requests: each one becomes a ticket the team
answers within its SLA, and the sender gets a confirmation e-mail."""

import logging

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from core.emails import queue_templated_email

from .models import Ticket
from .services import ticket_open

logger = logging.getLogger(__name__)

# A free sample waits for a corrector's time: its first-response SLA (48 h)
# is the delay the form promises.
FREE_SAMPLE_PRIORITY = Ticket.Priority.FAIBLE
CONTACT_PRIORITY = Ticket.Priority.NORMALE


def response_delay(priority):
    """« 24 h », « 15 min »: the first-response target of ``priority``."""
    minutes = settings.SUPPORT_SLA_FIRST_RESPONSE_MINUTES[priority]
    if minutes % 60:
        return _("%(minutes)s min") % {"minutes": minutes}
    return _("%(hours)s h") % {"hours": minutes // 60}


def requester_fields(*, user, name, email, phone):
    """A logged-in client's request is theirs; anyone else's is a visitor's."""
    if user is not None and user.is_authenticated and user.role == user.Role.USER:
        return {"requester": user}
    return {"visitor_name": name, "visitor_email": email, "visitor_phone": phone}


def _confirm_once(*, template, ticket, to, context):
    """One confirmation per ticket: the same form sent again (even at the same
    moment) gets the first ticket back from ticket_open, marked
    ``already_opened``, and must not e-mail again."""
    if not getattr(ticket, "already_opened", True):
        queue_templated_email(template=template, to=to, context=context)


def contact_request_submit(*, name, email, phone="", subject, message, user=None, submission_key=None):
    """The contact form → a ticket (source CONTACT) + the confirmation e-mail."""
    with transaction.atomic():
        ticket = ticket_open(
            title=subject, description=message, category=Ticket.Category.GENERAL, priority=CONTACT_PRIORITY,
            source=Ticket.Source.CONTACT, submission_key=submission_key,
            **requester_fields(user=user, name=name, email=email, phone=phone),
        )
        _confirm_once(template="contact_received", ticket=ticket, to=email, context={
            "name": name, "subject": subject, "number": str(ticket.number), "delay": response_delay(CONTACT_PRIORITY),
        })
    logger.info("contact request: ticket #%s", ticket.number)
    return ticket


def free_sample_request_submit(*, name, email, phone="", service, message="", sample, user=None,
                               submission_key=None):
    """The free-sample form → a ticket (source FREE_SAMPLE, category COMMANDE)
    with the extract attached + the confirmation e-mail."""
    description = "\n\n".join(filter(None, [
        _("Service souhaité : %(service)s") % {"service": service.name},
        message,
    ]))
    with transaction.atomic():
        ticket = ticket_open(
            title=_("Échantillon gratuit — %(service)s") % {"service": service.name}, description=description,
            category=Ticket.Category.COMMANDE, priority=FREE_SAMPLE_PRIORITY, source=Ticket.Source.FREE_SAMPLE,
            attachments=[sample], submission_key=submission_key,
            **requester_fields(user=user, name=name, email=email, phone=phone),
        )
        _confirm_once(template="free_sample_received", ticket=ticket, to=email, context={
            "name": name, "service": service.name, "file_name": sample.name, "number": str(ticket.number),
            "delay": response_delay(FREE_SAMPLE_PRIORITY),
        })
    logger.info("free sample request: ticket #%s", ticket.number)
    return ticket
