"""Tickets for tests, opened through the service as the pages do."""

import itertools

from accounts.tests.factories import UserFactory
from support.models import Ticket
from support.services import ticket_open

_titles = itertools.count(1)


def open_ticket(*, requester=None, **fields):
    """A client's ticket (or a visitor's, when ``visitor_email`` is given)."""
    n = next(_titles)
    if requester is None and "visitor_email" not in fields:
        requester = UserFactory()
    if requester is None:
        fields.setdefault("visitor_name", f"Visiteur {n}")
    defaults = {"title": f"Question n° {n}", "description": f"Bonjour, j'ai une question ({n}).",
                "category": Ticket.Category.GENERAL}
    return ticket_open(requester=requester, **{**defaults, **fields})
