"""Reads shared by the support views; each costs a fixed number of queries."""

from .models import Ticket


def ticket_for_staff(*, number):
    """A ticket with what its staff page shows; raises Ticket.DoesNotExist."""
    return Ticket.objects.select_related("requester", "assigned_to", "order", "conversation").get(number=number)
