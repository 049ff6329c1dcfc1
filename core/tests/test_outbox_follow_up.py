"""Every follow-up effect of a change (announcements, notifications, e-mails,
the welcome of a new client, the password-reset e-mail) is an outbox row
written with the change (core/outbox.py): it survives the broker being down
and the process dying right after the commit, and happens exactly once even
when its task runs twice.

"The process died after the commit" is simulated by committing the change
without running its on-commit callbacks (``captureOnCommitCallbacks(execute=False)``),
then running the relay as the beat job would."""

from collections import Counter

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse

from accounts.services import user_activate
from accounts.tests.factories import UserFactory
from accounts.tokens import make_activation_token
from billing import simulator
from billing.models import CreditNote
from billing.payments import payment_refund
from billing.tests.test_broker_faults import post_event, start_checkout
from core.models import OutboxEmail, OutboxTask
from core.testing import run_in_threads, server_database_only
from messaging.models import Conversation
from messaging.services import conversation_for_order, message_send
from notifications.models import Notification
from orders import services as orders
from orders.models import Order

from .broker import CLOSED_BROKER, broker

pytestmark = pytest.mark.django_db
E = OutboxEmail.Status
T = OutboxTask.Status
TRANSITION = "orders.tasks.announce_order_transition"


def died_after_commit(action):
    """Run ``action`` and commit, but the process "dies" before any on-commit step."""
    with TestCase.captureOnCommitCallbacks(execute=False):
        return action()


def relay():
    """The relay (beat or ``manage.py relay_outbox``), with the broker back
    (in-process here); what its tasks queue runs when they commit."""
    with broker("memory://", eager=True):
        for _ in range(2):  # twice: a second pass must change nothing
            with TestCase.captureOnCommitCallbacks(execute=True):
                call_command("relay_outbox", "--all")


def told(user, title):
    return Notification.objects.filter(user=user, title=title).count()


def emails_to(user):
    return [message.subject for message in mail.outbox if message.to == [user.email]]


def assert_nothing_left_and_each_email_sent_once():
    assert not OutboxTask.objects.exclude(status=T.DONE).exists(), list(OutboxTask.objects.values_list("task", "status", "last_error"))
    rows = OutboxEmail.objects.all()
    assert all(row.status == E.SENT for row in rows), [(row.template, row.status) for row in rows]
    sent = Counter((message.to[0], message.subject) for message in mail.outbox)
    assert len(mail.outbox) == rows.count() and (not sent or max(sent.values()) == 1), sent


@pytest.fixture
def outage():
    """The broker is unreachable from here on (list it after the fixtures
    that must happen before the outage)."""
    with broker(CLOSED_BROKER, eager=False):
        yield


@pytest.fixture
def paid(make_order):
    """An order paid through the webhook (its follow-up work done)."""
    order = make_order()
    payment = start_checkout(order)
    with TestCase.captureOnCommitCallbacks(execute=True):
        simulator.deliver(simulator.card_accepted_event(payment))
    payment.refresh_from_db()
    return order, payment


@pytest.fixture
def pending(make_order):
    order = make_order()
    return order, start_checkout(order)


# --- Exactly once ----------------------------------------------------------------

def queued_transition(order):
    """The outbox row of ``order``'s last status change."""
    return OutboxTask.objects.filter(task=TRANSITION, kwargs__order_id=str(order.pk)).latest("created_at")


def test_an_announcement_run_twice_notifies_and_emails_once(delivered_order, client_user):
    from orders.tasks import announce_order_transition

    row = queued_transition(delivered_order)
    assert row.kwargs["to_status"] == Order.Status.LIVREE and row.status == T.PENDING
    for _ in range(2):  # a redelivery after a worker was killed, or the relay again
        with TestCase.captureOnCommitCallbacks(execute=True):
            announce_order_transition.apply_async(kwargs=row.kwargs, task_id=row.celery_task_id)
    row.refresh_from_db()
    assert row.status == T.DONE and row.done_at is not None
    assert told(client_user, "Votre manuscrit corrigé est disponible") == 1
    assert emails_to(client_user) == ["Votre manuscrit corrigé est disponible"]


def test_an_announcement_that_fails_halfway_leaves_nothing_and_is_done_once_later(make_order, client_user, staff,
                                                                                 monkeypatch):
    """The work and the DONE mark are one transaction: a failure after the
    client's notification rolls it back; the relay then does it all, once."""
    order = make_order()

    def staff_lookup_fails():
        raise RuntimeError("database hiccup")

    monkeypatch.setattr("orders.events._staff", staff_lookup_fails)
    with TestCase.captureOnCommitCallbacks(execute=True):
        orders.order_mark_paid(order=order, amount=order.price)  # the client is told first, then staff
    row = OutboxTask.objects.get(task=TRANSITION)
    assert row.status == T.PENDING and "hiccup" in row.last_error
    assert told(client_user, "Paiement reçu") == 0  # rolled back with the failure

    monkeypatch.undo()
    relay()
    assert told(client_user, "Paiement reçu") == 1 and told(staff, "Paiement reçu") == 1
    assert_nothing_left_and_each_email_sent_once()


def test_outside_the_outbox_the_task_simply_runs(delivered_order, client_user):
    from orders.tasks import announce_order_transition

    kwargs = queued_transition(delivered_order).kwargs
    announce_order_transition(**kwargs)
    assert told(client_user, "Votre manuscrit corrigé est disponible") == 1


@pytest.mark.django_db(transaction=True)
@server_database_only
def test_duplicate_runs_at_once_notify_once(delivered_order, client_user):
    """Two workers (the relay's re-dispatch of a slow task, a redelivery) run
    the same row at the same time: the second waits for the first, then skips."""
    from orders.tasks import announce_order_transition

    # The fixtures committed, so their announcements ran (and their done rows
    # were emptied of arguments): run the delivery's again from scratch.
    row = OutboxTask.objects.filter(task=TRANSITION).latest("created_at")
    delivery = delivered_order.events.filter(to_status=Order.Status.LIVREE).get()
    row.kwargs = {"order_id": str(delivered_order.pk), "from_status": delivery.from_status,
                  "to_status": delivery.to_status, "actor_id": str(delivery.actor_id), "note": delivery.note}
    OutboxTask.objects.filter(pk=row.pk).update(status=T.PENDING, done_at=None, kwargs=row.kwargs)
    Notification.objects.all().delete()
    OutboxEmail.objects.all().delete()
    _, errors = run_in_threads(
        range(6), lambda _: announce_order_transition.apply_async(kwargs=row.kwargs, task_id=row.celery_task_id),
        threads=6,
    )
    assert errors == []
    assert told(client_user, "Votre manuscrit corrigé est disponible") == 1
    assert [row.context["title"] for row in OutboxEmail.objects.all()] == ["Votre manuscrit corrigé est disponible"]
    assert OutboxTask.objects.get(pk=row.pk).status == T.DONE


# --- The broker is down ------------------------------------------------------------

def test_broker_down_an_order_transition_answers_as_usual_and_is_announced_once_after(
    client, delivered_order, client_user, corrector, outage
):
    client.force_login(client_user)
    response = client.post(reverse("orders:action", args=[delivered_order.pk, "accept-delivery"]))
    assert response.status_code == 302
    delivered_order.refresh_from_db()
    assert delivered_order.status == Order.Status.TERMINE
    assert told(corrector, "« Le Grand Meaulnes » : Terminée") == 0 and mail.outbox == []

    relay()
    assert told(corrector, "« Le Grand Meaulnes » : Terminée") == 1
    assert emails_to(corrector).count("« Le Grand Meaulnes » : Terminée") == 1
    assert_nothing_left_and_each_email_sent_once()


def test_broker_down_a_message_is_sent_and_announced_once_after(client, working_order, client_user, corrector, outage):
    conversation = conversation_for_order(order=working_order)
    client.force_login(client_user)
    response = client.post(reverse("messaging:send", args=[conversation.pk]), {"content": "Une question"})
    assert response.status_code == 302
    assert told(corrector, "Nouveau message") == 0

    relay()
    assert told(corrector, "Nouveau message") == 1
    assert emails_to(corrector).count("Nouveau message") == 1
    assert_nothing_left_and_each_email_sent_once()


def test_broker_down_a_refund_is_recorded_and_announced_once_after(client, paid, staff, outage):
    order, payment = paid
    client.force_login(staff)
    response = client.post(reverse("admin:billing_payment_refund", args=[payment.pk]), {"amount": "100,00", "reason": ""})
    assert response.status_code == 302
    assert CreditNote.objects.count() == 1 and told(order.client, "Remboursement effectué") == 0

    relay()
    assert told(order.client, "Remboursement effectué") == 1
    assert sum(1 for message in mail.outbox if message.subject.startswith("Votre avoir")) == 1
    assert_nothing_left_and_each_email_sent_once()


def test_broker_down_a_failed_payment_is_acknowledged_and_announced_once_after(client, pending, outage):
    order, payment = pending
    assert post_event(client, simulator.card_declined_event(payment)).status_code == 200
    assert told(order.client, "Paiement non abouti") == 0

    relay()
    assert told(order.client, "Paiement non abouti") == 1
    assert OutboxEmail.objects.filter(template="payment_failed", to=order.client.email, status=E.SENT).count() == 1
    assert_nothing_left_and_each_email_sent_once()


@pytest.mark.parametrize(("url", "template", "known"), [
    ("accounts:password_reset", "password_reset", {"is_active": True}),
    ("accounts:activation_resend", "activation", {"is_active": False, "email_verified_at": None}),
])
def test_broker_down_reset_and_resend_answer_as_usual_and_email_once_after(client, url, template, known, outage):
    """"Mot de passe oublié" answered 500 with the broker down (after commit)."""
    user = UserFactory(email="connu@example.org", **known)
    for email in ("connu@example.org", "inconnu@example.org"):
        response = client.post(reverse(url), {"email": email})
        assert response.status_code == 302
    # The same work for both addresses: one outbox row each, nothing sent yet.
    assert sorted(OutboxTask.objects.values_list("kwargs__email", flat=True)) == ["connu@example.org", "inconnu@example.org"]
    assert not OutboxEmail.objects.exists()

    relay()
    assert [row.to for row in OutboxEmail.objects.filter(template=template)] == [user.email]
    assert [message.to for message in mail.outbox] == [[user.email]]
    assert_nothing_left_and_each_email_sent_once()


# --- The process dies right after the commit ------------------------------------------

def test_died_after_an_order_transition_the_relay_announces_it(delivered_order, client_user, corrector):
    died_after_commit(lambda: orders.order_accept_delivery(order=delivered_order, by=client_user))
    assert told(corrector, "« Le Grand Meaulnes » : Terminée") == 0

    relay()
    assert told(corrector, "« Le Grand Meaulnes » : Terminée") == 1
    assert_nothing_left_and_each_email_sent_once()


def test_died_after_an_order_creation_and_assignment_the_relay_announces_them(client_user, service, corrector, staff):
    from orders.demo import demo_pdf

    order = died_after_commit(lambda: orders.order_create(
        client=client_user, service=service, title="Colomba", declared_pages=250, manuscripts=[demo_pdf("c.pdf")]))
    died_after_commit(lambda: orders.order_mark_paid(order=order, amount=order.price))
    died_after_commit(lambda: orders.order_assign_corrector(order=order, corrector=corrector, by=staff))
    assert not Notification.objects.exists()

    relay()
    assert told(client_user, "Commande enregistrée") == 1 and told(staff, "Nouvelle commande") == 1
    assert told(client_user, "Correcteur désigné") == 1 and told(corrector, "Nouvelle affectation") == 1
    assert_nothing_left_and_each_email_sent_once()


def test_died_after_a_message_the_relay_announces_it(working_order, client_user, corrector):
    conversation = conversation_for_order(order=working_order)
    died_after_commit(lambda: message_send(conversation=conversation, sender=client_user, content="Une question"))
    assert told(corrector, "Nouveau message") == 0

    relay()
    assert told(corrector, "Nouveau message") == 1
    assert_nothing_left_and_each_email_sent_once()


def test_died_after_a_refund_the_relay_announces_it(paid, staff):
    order, payment = paid
    died_after_commit(lambda: payment_refund(payment=payment, amount=1000, by=staff))
    assert told(order.client, "Remboursement effectué") == 0

    relay()
    assert told(order.client, "Remboursement effectué") == 1
    assert_nothing_left_and_each_email_sent_once()


def test_died_after_a_failed_payment_the_relay_announces_it(pending):
    order, payment = pending
    died_after_commit(lambda: simulator.deliver(simulator.card_declined_event(payment)))
    assert told(order.client, "Paiement non abouti") == 0

    relay()
    assert told(order.client, "Paiement non abouti") == 1
    assert OutboxEmail.objects.filter(template="payment_failed").count() == 1
    assert_nothing_left_and_each_email_sent_once()


def test_died_after_an_activation_the_relay_welcomes_the_client_once(staff):
    newcomer = UserFactory(is_active=False, email_verified_at=None)
    died_after_commit(lambda: user_activate(token=make_activation_token(newcomer)))
    assert not Conversation.objects.exists() and told(newcomer, "Bienvenue sur Staka Livres") == 0

    relay()
    assert Conversation.objects.filter(created_by=newcomer).count() == 1
    assert told(newcomer, "Bienvenue sur Staka Livres") == 1 and told(staff, "Nouveau client") == 1


# --- E-mail preferences --------------------------------------------------------------

@pytest.mark.parametrize(("orders_emails", "sent"), [(True, 1), (False, 0)])
def test_the_failed_payment_email_follows_the_orders_preference(client, pending, orders_emails, sent):
    order, payment = pending
    type(order.client).objects.filter(pk=order.client.pk).update(
        preferences={"notifications": {"orders": orders_emails}})
    post_event(client, simulator.card_declined_event(payment))
    assert told(order.client, "Paiement non abouti") == 1  # in-app either way
    assert OutboxEmail.objects.filter(template="payment_failed").count() == sent
