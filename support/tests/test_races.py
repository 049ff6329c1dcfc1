"""Standing suite (issue 8): 20 simultaneous submits of every support
button -> one effect. Real POSTs through the views, each from its own
browser and database connection. Needs row locks: MariaDB in CI."""

import uuid

import pytest
from django.urls import reverse

from core.testing import run_in_threads, server_database_only, submit_all
from messaging.models import Message
from support import services
from support.models import Ticket, TicketEvent

pytestmark = [pytest.mark.django_db(transaction=True), server_database_only]
S = Ticket.Status
E = TicketEvent.Kind


def url(name, ticket):
    return reverse(f"support:{name}", args=[ticket.number])


def test_the_new_ticket_form_sent_20_times_opens_one_ticket(client_user):
    key = str(uuid.uuid4())
    submit_all(client_user, reverse("support:ticket_new"), lambda: {
        "title": "Double clic", "category": "GENERAL", "description": "Bonjour", "submission": key})
    assert Ticket.objects.filter(title="Double clic").count() == 1
    assert Message.objects.filter(content="Bonjour").count() == 1


def test_take_pressed_20_times_assigns_once(ticket, staff):
    submit_all(staff, url("staff_take", ticket), dict)
    ticket.refresh_from_db()
    assert ticket.assigned_to == staff and ticket.status == S.EN_COURS
    assert ticket.events.filter(kind=E.ASSIGNMENT).count() == 1 and ticket.events.filter(kind=E.STATUS).count() == 1


def test_two_staff_taking_at_once_one_wins(ticket, staff, second_staff):
    results, errors = run_in_threads([staff, second_staff], lambda person: services.ticket_take(
        ticket=ticket, by=person).assigned_to_id, threads=2)
    assert len(results) == 1 and len(errors) == 1 and "déjà pris en charge" in errors[0]
    assert ticket.events.filter(kind=E.ASSIGNMENT).count() == 1


def test_staff_buttons_pressed_20_times_record_one_change(ticket, staff, second_staff):
    for name, data, kind in (
        ("staff_assign", {"assignee": second_staff.pk}, E.ASSIGNMENT),
        ("staff_priority", {"priority": "HAUTE"}, E.PRIORITY),
        ("staff_category", {"category": "TECHNIQUE"}, E.CATEGORY),
        ("staff_status", {"status": "EN_ATTENTE"}, E.STATUS),
    ):
        submit_all(staff, url(name, ticket), lambda data=data: dict(data))
        assert ticket.events.filter(kind=kind).count() == 1, name
    ticket.refresh_from_db()
    assert (ticket.assigned_to, ticket.priority, ticket.category, ticket.status) == (
        second_staff, "HAUTE", "TECHNIQUE", S.EN_ATTENTE)


def test_one_staff_reply_form_sent_20_times_posts_once(ticket, staff):
    token = str(uuid.uuid4())
    submit_all(staff, url("staff_reply", ticket), lambda: {"content": "Une seule fois", "client_token": token,
                                                           "set_waiting": "on"})
    assert Message.objects.filter(content="Une seule fois").count() == 1
    assert ticket.events.filter(kind=E.REPLY).count() == 1
    assert ticket.events.filter(to_value=S.EN_ATTENTE).count() == 1


def test_one_client_reply_form_sent_20_times_posts_once(ticket, client_user, staff):
    services.ticket_reply(ticket=ticket, by=staff, content="Précisez ?", set_waiting=True)
    token = str(uuid.uuid4())
    submit_all(client_user, url("ticket_reply", ticket), lambda: {"content": "Voilà", "client_token": token})
    assert Message.objects.filter(content="Voilà").count() == 1
    assert ticket.events.filter(to_value=S.EN_COURS, actor=client_user).count() == 1


def test_confirm_and_rate_pressed_20_times_act_once(ticket, client_user, staff):
    services.ticket_set_status(ticket=ticket, status=S.RESOLU, by=staff)
    submit_all(client_user, url("ticket_confirm", ticket), dict)
    assert ticket.events.filter(to_value=S.FERME).count() == 1
    submit_all(client_user, url("ticket_rate", ticket), lambda: {"score": "4"})
    assert ticket.events.filter(kind=E.RATING).count() == 1


def test_a_visitor_reply_link_sent_20_times_adds_one_message(visitor_ticket, staff):
    answer = services.ticket_reply(ticket=visitor_ticket, by=staff, content="Réponse")
    token = services.visitor_reply_token(ticket=visitor_ticket, message=answer)
    submit_all(None, reverse("support:visitor_reply", args=[token]), lambda: {"content": "Merci !"})
    assert Message.objects.filter(content="Merci !").count() == 1


def test_admin_actions_20_times_move_once(ticket, staff):
    from tests.security.test_button_races import run_action

    run_action(staff, Ticket, "take_tickets", [ticket.pk])
    assert ticket.events.filter(kind=E.ASSIGNMENT).count() == 1
    run_action(staff, Ticket, "resolve_tickets", [ticket.pk])
    assert ticket.events.filter(to_value=S.RESOLU).count() == 1
    run_action(staff, Ticket, "cancel_tickets", [ticket.pk])
    assert ticket.events.filter(to_value=S.ANNULE).count() == 1
