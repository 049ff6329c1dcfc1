"""The ticket workflow: each action for its own role, from its own statuses,
recorded with who and when; the SLA stamped by the first staff answer."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import signing
from django.utils import timezone

from accounts.tests.factories import AdminFactory, CorrectorFactory, UserFactory
from core.models import OutboxEmail
from messaging import services as messaging
from messaging.models import Message, Participant
from notifications.models import Notification
from support import services
from support.models import ReplyLinkUse, Ticket, TicketEvent
from support.services import TicketError
from support.tests.factories import open_ticket

pytestmark = pytest.mark.django_db
S = Ticket.Status


def refreshed(ticket):
    ticket.refresh_from_db()
    return ticket


# --- Staff actions -----------------------------------------------------------------

def test_take_assigns_to_self_and_starts_work(ticket, staff):
    taken = services.ticket_take(ticket=ticket, by=staff)
    assert (taken.assigned_to, taken.status) == (staff, S.EN_COURS)
    kinds = list(ticket.events.values_list("kind", "actor"))
    assert (TicketEvent.Kind.ASSIGNMENT, staff.pk) in kinds and (TicketEvent.Kind.STATUS, staff.pk) in kinds
    assert Participant.objects.filter(conversation=ticket.conversation, user=staff).exists()
    # Again by the same person: nothing more; by someone else: refused, with the name.
    count = ticket.events.count()
    services.ticket_take(ticket=ticket, by=staff)
    assert ticket.events.count() == count
    with pytest.raises(TicketError, match="déjà pris en charge"):
        services.ticket_take(ticket=ticket, by=AdminFactory())


@pytest.mark.parametrize("action, kwargs", [
    ("ticket_take", {}),
    ("ticket_set_priority", {"priority": "HAUTE"}),
    ("ticket_set_category", {"category": "TECHNIQUE"}),
    ("ticket_set_status", {"status": "RESOLU"}),
])
def test_staff_actions_are_refused_to_clients_and_correctors(ticket, client_user, action, kwargs):
    for person in (client_user, CorrectorFactory(), UserFactory()):
        with pytest.raises(TicketError, match="Vous ne pouvez pas"):
            getattr(services, action)(ticket=ticket, by=person, **kwargs)
    assert refreshed(ticket).status == S.OUVERT and ticket.events.count() == 1


def test_assign_to_staff_only_and_tell_the_assignee(ticket, staff, second_staff, django_capture_on_commit_callbacks):
    with pytest.raises(TicketError, match="membre de l'équipe"):
        services.ticket_assign(ticket=ticket, to=CorrectorFactory(), by=staff)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_assign(ticket=ticket, to=second_staff, by=staff)
    assert refreshed(ticket).assigned_to == second_staff
    assert Notification.objects.filter(user=second_staff, title__contains=str(ticket.number)).count() == 1
    services.ticket_assign(ticket=ticket, to=None, by=staff)
    assert refreshed(ticket).assigned_to is None


def test_a_priority_change_recomputes_the_deadlines_from_now(ticket, staff):
    before = timezone.now()
    changed = services.ticket_set_priority(ticket=ticket, priority=Ticket.Priority.CRITIQUE, by=staff)
    assert before + timedelta(minutes=15) <= changed.first_response_due_at <= timezone.now() + timedelta(minutes=15)
    assert changed.sla_due_at == changed.first_response_due_at
    event = ticket.events.get(kind=TicketEvent.Kind.PRIORITY)
    assert (event.from_value, event.to_value, event.actor) == ("NORMALE", "CRITIQUE", staff)


@pytest.mark.parametrize("status, allowed_from", [
    (S.EN_ATTENTE, {S.OUVERT, S.EN_COURS}),
    (S.RESOLU, {S.OUVERT, S.EN_COURS, S.EN_ATTENTE}),
    (S.ANNULE, {S.OUVERT, S.EN_COURS, S.EN_ATTENTE, S.RESOLU}),
    (S.EN_COURS, {S.EN_ATTENTE, S.RESOLU}),
])
def test_each_status_only_from_its_statuses(client_user, staff, status, allowed_from):
    for current in S.values:
        ticket = open_ticket(requester=client_user)
        Ticket.objects.filter(pk=ticket.pk).update(status=current)
        if current in allowed_from:
            assert services.ticket_set_status(ticket=ticket, status=status, by=staff).status == status
        else:
            with pytest.raises(TicketError):
                services.ticket_set_status(ticket=ticket, status=status, by=staff)
            assert refreshed(ticket).status == current


def test_fermé_and_ouvert_are_not_staff_choices(ticket, staff):
    for status in (S.FERME, S.OUVERT):
        with pytest.raises(TicketError, match="ne se choisit pas"):
            services.ticket_set_status(ticket=ticket, status=status, by=staff)


def test_waiting_stops_the_clock_and_resolved_stamps_the_date(ticket, staff):
    waiting = services.ticket_set_status(ticket=ticket, status=S.EN_ATTENTE, by=staff)
    assert waiting.paused_at is not None and waiting.sla_due_at is None
    resolved = services.ticket_set_status(ticket=ticket, status=S.RESOLU, by=staff, note="Réglé")
    assert resolved.resolved_at is not None and resolved.sla_due_at is None
    assert ticket.events.filter(kind=TicketEvent.Kind.STATUS, to_value=S.RESOLU, note="Réglé").exists()


# --- Replies and the SLA ---------------------------------------------------------------

def test_the_first_staff_reply_stamps_the_first_response_and_moves_to_the_resolution_deadline(ticket, staff):
    services.ticket_reply(ticket=ticket, by=staff, content="Bonjour, nous regardons.")
    ticket = refreshed(ticket)
    assert ticket.first_response_at is not None and ticket.status == S.EN_COURS
    assert ticket.sla_due_at == ticket.resolution_due_at
    first = ticket.first_response_at
    services.ticket_reply(ticket=ticket, by=staff, content="Encore un mot.")
    assert refreshed(ticket).first_response_at == first
    assert ticket.events.filter(kind=TicketEvent.Kind.REPLY).count() == 1
    assert Message.objects.filter(conversation=ticket.conversation, signed_as_team=True).count() == 2


def test_a_reply_from_the_generic_messages_page_counts_too(ticket, staff):
    messaging.message_send(conversation=ticket.conversation, sender=staff, content="Depuis /messages/")
    assert refreshed(ticket).first_response_at is not None and ticket.status == S.EN_COURS


def test_a_reply_that_asks_the_client_puts_the_ticket_on_hold(ticket, staff):
    services.ticket_reply(ticket=ticket, by=staff, content="Quel navigateur ?", set_waiting=True)
    ticket = refreshed(ticket)
    assert ticket.status == S.EN_ATTENTE and ticket.sla_due_at is None and ticket.first_response_at


def test_the_clients_answer_reopens_a_waiting_or_resolved_ticket(ticket, staff, client_user):
    services.ticket_reply(ticket=ticket, by=staff, content="Quel navigateur ?", set_waiting=True)
    services.ticket_reply_by_client(ticket=ticket, by=client_user, content="Firefox")
    ticket = refreshed(ticket)
    assert ticket.status == S.EN_COURS and ticket.paused_at is None and ticket.sla_due_at
    services.ticket_set_status(ticket=ticket, status=S.RESOLU, by=staff)
    messaging.message_send(conversation=ticket.conversation, sender=client_user, content="Toujours pas")
    ticket = refreshed(ticket)
    assert ticket.status == S.EN_COURS and ticket.resolved_at is None


def test_nobody_writes_in_a_closed_ticket(ticket, staff, client_user):
    services.ticket_set_status(ticket=ticket, status=S.ANNULE, by=staff)
    with pytest.raises(TicketError, match="Action impossible"):
        services.ticket_reply_by_client(ticket=ticket, by=client_user, content="Allô ?")
    with pytest.raises(TicketError, match="Action impossible"):
        messaging.message_send(conversation=ticket.conversation, sender=client_user, content="Allô ?")
    with pytest.raises(TicketError):
        services.ticket_reply(ticket=ticket, by=staff, content="Allô ?")
    assert Message.objects.filter(conversation=ticket.conversation).count() == 1


def test_replies_are_for_their_own_role(ticket, client_user, staff):
    with pytest.raises(TicketError):
        services.ticket_reply(ticket=ticket, by=client_user, content="Je me réponds")
    with pytest.raises(TicketError):
        services.ticket_reply_by_client(ticket=ticket, by=UserFactory(), content="Intrus")
    with pytest.raises(TicketError):
        services.ticket_reply_by_client(ticket=ticket, by=staff, content="Staff")


def test_the_same_reply_form_sent_twice_posts_once(ticket, staff):
    token = "6f1c1e02-7f3a-4c7e-9b55-0f3d7b7c2a10"
    services.ticket_reply(ticket=ticket, by=staff, content="Une fois", client_token=token, set_waiting=True)
    services.ticket_reply(ticket=ticket, by=staff, content="Une fois", client_token=token, set_waiting=True)
    assert Message.objects.filter(conversation=ticket.conversation, sender=staff).count() == 1
    assert ticket.events.filter(to_value=S.EN_ATTENTE).count() == 1


# --- The requester: confirm, rate -------------------------------------------------------

def test_the_requester_confirms_a_resolved_ticket_then_rates_it_once(ticket, staff, client_user):
    with pytest.raises(TicketError):
        services.ticket_confirm_resolved(ticket=ticket, by=client_user)
    services.ticket_set_status(ticket=ticket, status=S.RESOLU, by=staff)
    with pytest.raises(TicketError):
        services.ticket_confirm_resolved(ticket=ticket, by=staff)
    with pytest.raises(TicketError):
        services.ticket_rate(ticket=ticket, by=client_user, score=5)  # not closed yet
    closed = services.ticket_confirm_resolved(ticket=ticket, by=client_user)
    assert closed.status == S.FERME and closed.closed_at
    with pytest.raises(TicketError, match="1 à 5"):
        services.ticket_rate(ticket=ticket, by=client_user, score=6)
    with pytest.raises(TicketError):
        services.ticket_rate(ticket=ticket, by=UserFactory(), score=4)
    rated = services.ticket_rate(ticket=ticket, by=client_user, score=4, comment="Rapide")
    assert (rated.satisfaction_score, rated.satisfaction_comment) == (4, "Rapide")
    with pytest.raises(TicketError, match="déjà donné"):
        services.ticket_rate(ticket=ticket, by=client_user, score=1)


def test_the_requester_hears_the_ticket_is_resolved(ticket, staff, client_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_set_status(ticket=ticket, status=S.RESOLU, by=staff)
    notification = Notification.objects.get(user=client_user, title__contains="résolue")
    assert notification.action_url == f"/aide/tickets/{ticket.number}/"


# --- The platform ------------------------------------------------------------------------

def test_resolved_tickets_close_themselves_after_the_delay_once(ticket, staff, client_user):
    services.ticket_set_status(ticket=ticket, status=S.RESOLU, by=staff)
    recent = open_ticket(requester=client_user)
    services.ticket_set_status(ticket=recent, status=S.RESOLU, by=staff)
    Ticket.objects.filter(pk=ticket.pk).update(
        resolved_at=timezone.now() - timedelta(days=settings.SUPPORT_AUTO_CLOSE_DAYS, minutes=1))
    assert services.tickets_auto_close() == 1
    assert refreshed(ticket).status == S.FERME and ticket.closed_at
    assert ticket.events.filter(to_value=S.FERME, actor=None).count() == 1
    assert refreshed(recent).status == S.RESOLU
    assert services.tickets_auto_close() == 0


def test_the_sweeper_announces_each_deadline_once(client_user, staff, second_staff,
                                                  django_capture_on_commit_callbacks):
    unassigned = open_ticket(requester=client_user, priority=Ticket.Priority.URGENTE)
    assigned = open_ticket(requester=client_user, priority=Ticket.Priority.URGENTE)
    services.ticket_assign(ticket=assigned, to=second_staff, by=second_staff)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.tickets_sla_sweep(now=now + timedelta(minutes=50)) == (2, 0)
        assert services.tickets_sla_sweep(now=now + timedelta(minutes=55)) == (0, 0)
        assert services.tickets_sla_sweep(now=now + timedelta(minutes=61)) == (0, 2)
        assert services.tickets_sla_sweep(now=now + timedelta(minutes=90)) == (0, 0)
    # Unassigned: every staff member; assigned: the assignee only.
    for person, count in ((staff, 2), (second_staff, 4)):
        assert Notification.objects.filter(user=person, title__contains="chéance").count() == count, person
    assert Notification.objects.filter(user=staff, title__contains=str(assigned.number)).count() == 0
    assert unassigned.events.filter(kind=TicketEvent.Kind.SLA).count() == 1
    # A new deadline (the first answer) is announced again when it comes.
    services.ticket_reply(ticket=unassigned, by=staff, content="Réponse")
    due = refreshed(unassigned).sla_due_at
    assert services.tickets_sla_sweep(now=due + timedelta(minutes=1))[1] == 1


# --- A visitor's ticket -----------------------------------------------------------------

def test_a_staff_answer_to_a_visitor_is_e_mailed_with_a_reply_link(visitor_ticket, staff,
                                                                   django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.ticket_reply(ticket=visitor_ticket, by=staff, content="Voici notre réponse.")
    record = OutboxEmail.objects.get(template="support_reply_visitor")
    assert record.to == "jeanne@example.net" and "token" not in str(record.context)
    email = mailoutbox[-1]
    assert "Voici notre réponse." in email.body
    # The link's token (timestamped: compared by what it opens, not by its text).
    token = re.search(r"/aide/reponse/([^/\s]+)/", email.body).group(1)
    assert services.visitor_reply_target(token=token) == (visitor_ticket, message)


def test_a_reply_link_works_once_and_reopens_the_ticket(visitor_ticket, staff):
    message = services.ticket_reply(ticket=visitor_ticket, by=staff, content="Précisez ?", set_waiting=True)
    token = services.visitor_reply_token(ticket=visitor_ticket, message=message)
    ticket, staff_message = services.visitor_reply_target(token=token)
    assert (ticket, staff_message) == (visitor_ticket, message)
    answer = services.ticket_reply_by_visitor(ticket=ticket, staff_message=staff_message, content="Voilà")
    assert answer.is_from_visitor and answer.visitor_name == "Jeanne Visiteuse"
    assert refreshed(visitor_ticket).status == S.EN_COURS
    with pytest.raises(TicketError, match="déjà servi"):
        services.ticket_reply_by_visitor(ticket=ticket, staff_message=staff_message, content="Encore")
    assert ReplyLinkUse.objects.count() == 1
    assert Message.objects.filter(conversation=visitor_ticket.conversation, sender=None).count() == 2


def test_forged_tampered_or_expired_links_are_refused(visitor_ticket, ticket, staff):
    message = services.ticket_reply(ticket=visitor_ticket, by=staff, content="Réponse")
    token = services.visitor_reply_token(ticket=visitor_ticket, message=message)
    with pytest.raises(signing.BadSignature):
        services.visitor_reply_target(token=token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    forged = signing.dumps({"t": str(visitor_ticket.pk), "m": message.pk}, salt="autre", compress=True)
    with pytest.raises(signing.BadSignature):
        services.visitor_reply_target(token=forged)
    # A link naming a client's ticket, or a message that is not a staff answer of this ticket.
    client_message = services.ticket_reply(ticket=ticket, by=staff, content="Client")
    with pytest.raises(Ticket.DoesNotExist):
        services.visitor_reply_target(token=services.visitor_reply_token(ticket=ticket, message=client_message))
    with pytest.raises(Ticket.DoesNotExist):
        services.visitor_reply_target(token=services.visitor_reply_token(ticket=visitor_ticket, message=client_message))
    first = visitor_ticket.conversation.messages.order_by("id").first()  # the visitor's own message
    with pytest.raises(Ticket.DoesNotExist):
        services.visitor_reply_target(token=services.visitor_reply_token(ticket=visitor_ticket, message=first))
    old = timezone.now() - services.REPLY_LINK_MAX_AGE - timedelta(days=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("time.time", lambda: old.timestamp())
        stale = services.visitor_reply_token(ticket=visitor_ticket, message=message)
    with pytest.raises(signing.SignatureExpired):
        services.visitor_reply_target(token=stale)


def test_message_notifications_link_to_the_ticket_pages(ticket, client_user, staff,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_take(ticket=ticket, by=staff)
        services.ticket_reply(ticket=ticket, by=staff, content="Réponse")
        services.ticket_reply_by_client(ticket=ticket, by=client_user, content="Merci")
    to_client = Notification.objects.get(user=client_user, type=Notification.Type.MESSAGE)
    to_staff = Notification.objects.get(user=staff, type=Notification.Type.MESSAGE)
    assert to_client.action_url == f"/aide/tickets/{ticket.number}/"
    assert to_staff.action_url == f"/support/tickets/{ticket.number}/"


def test_the_sweeper_and_auto_close_run_on_beat(settings):
    from support import tasks

    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule[tasks.sweep_ticket_deadlines.name] <= 5 * 60
    assert schedule[tasks.auto_close_resolved_tickets.name] <= 60 * 60
    assert tasks.sweep_ticket_deadlines() == (0, 0) and tasks.auto_close_resolved_tickets() == 0
