import pytest
from django.core.management import call_command

from accounts.models import User
from core.registry import demo_seeders, personal_data_parts
from support import services
from support.models import CannedReply, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def test_the_export_lists_the_clients_tickets(ticket, client_user, staff):
    services.ticket_set_status(ticket=ticket, status=Ticket.Status.RESOLU, by=staff)
    services.ticket_confirm_resolved(ticket=ticket, by=client_user)
    services.ticket_rate(ticket=ticket, by=client_user, score=4, comment="Merci zqx")
    exported = personal_data_parts["support_tickets"].export(client_user)
    assert [(t["number"], t["title"], t["satisfaction_comment"]) for t in exported] == [
        (ticket.number, ticket.title, "Merci zqx")]
    assert personal_data_parts["support_tickets"].export(staff) == []


def test_anonymising_keeps_the_tickets_cancels_the_open_ones_and_drops_the_comment(client_user, staff):
    from support.tests.factories import open_ticket

    closed, still_open = open_ticket(requester=client_user), open_ticket(requester=client_user)
    services.ticket_set_status(ticket=closed, status=Ticket.Status.RESOLU, by=staff)
    services.ticket_confirm_resolved(ticket=closed, by=client_user)
    services.ticket_rate(ticket=closed, by=client_user, score=2, comment="Mon avis personnel")
    personal_data_parts["support_tickets"].anonymise(client_user)
    closed.refresh_from_db()
    still_open.refresh_from_db()
    assert closed.status == Ticket.Status.FERME and closed.satisfaction_comment == ""
    assert closed.satisfaction_score == 2
    assert still_open.status == Ticket.Status.ANNULE and still_open.sla_due_at is None
    assert still_open.events.filter(kind=TicketEvent.Kind.STATUS, to_value="ANNULE", actor=None).exists()


def test_the_demo_has_two_tickets_one_answered_and_three_canned_replies():
    assert "support" in demo_seeders
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)  # idempotent
    client = User.objects.get(email="user@example.com")
    tickets = Ticket.objects.filter(requester=client)
    assert tickets.count() == 2
    assert tickets.filter(first_response_at__isnull=False).count() == 1
    assert tickets.filter(status=Ticket.Status.OUVERT).count() == 1
    assert CannedReply.objects.filter(active=True).count() == 3


def test_the_whole_account_anonymisation_runs_with_tickets(ticket, client_user, staff):
    from accounts.services import user_anonymise

    user_anonymise(user=client_user, by=staff)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.ANNULE and ticket.requester_id == client_user.pk
