from django.http import Http404
from django.shortcuts import render

from accounts.decorators import role_required
from accounts.models import User

from . import selectors
from .models import Ticket


def _staff_ticket(number):
    try:
        return selectors.ticket_for_staff(number=number)
    except Ticket.DoesNotExist:
        raise Http404 from None


@role_required(User.Role.ADMIN)
def staff_ticket(request, number):
    """A ticket as the team works on it."""
    ticket = _staff_ticket(number)
    return render(request, "support/staff_ticket.html", {"ticket": ticket})
