"""A payment's follow-up work (invoice, e-mails) survives the broker, the
worker and the mail server failing: the transactional outbox (core/outbox.py),
its relay and the invoice sweeper.

The in-process tests run everywhere; the real-worker ones need Redis and
MariaDB (CI runs both), like core/tests/test_celery_worker.py."""

import json
import time
from collections import Counter
from datetime import timedelta

import pytest
import redis
import stripe
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from billing import simulator
from billing.invoicing import credit_note_issue, invoice_issue_for_order
from billing.models import Invoice, Payment, StripeEvent
from billing.payments import payment_start_checkout
from billing.tasks import issue_invoice_for_paid_order
from config.celery_app import app
from core.models import OutboxEmail, OutboxTask
from core.tasks import send_outbox_email
from core.testing import run_in_threads, server_database_only
from core.tests.broker import CLOSED_BROKER, SmtpSink, broker, broker_down, use_broker  # noqa: F401 (a fixture)
from core.tests.test_celery_worker import real_broker, start_worker, stop, wait_for  # noqa: F401 (a fixture)
from messaging.models import Message
from orders.models import Order
from orders.services import order_mark_paid

pytestmark = pytest.mark.django_db
WEBHOOK = reverse("billing:webhook")
SECRET = "whsec_local_simulator_not_a_real_secret"
E = OutboxEmail.Status
INVOICE_TASK = "billing.tasks.issue_invoice_for_paid_order"


def post_event(client, event):
    payload = json.dumps(event)
    signature = stripe.WebhookSignature.generate_signature_header(payload, SECRET)
    return client.post(WEBHOOK, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)


def start_checkout(order):
    payment_start_checkout(order=order, success_url="http://testserver/ok", cancel_url="http://testserver/ko")
    return order.payments.get()


@pytest.fixture
def visitor_payment(make_order, client_user):
    """A visitor's order (account not activated yet) with its checkout open."""
    order = make_order()
    type(client_user).objects.filter(pk=client_user.pk).update(is_active=False, email_verified_at=None)
    return order, start_checkout(order)


def announced_paid(order):
    """How many times the order's conversation says it was paid (a visitor,
    inactive, gets no notification)."""
    return Message.objects.filter(conversation__order=order, type=Message.Type.SYSTEM_MESSAGE,
                                  content__startswith="Paiement reçu").count()


def assert_each_email_sent_once():
    rows = OutboxEmail.objects.all()
    assert rows and all(row.status == E.SENT for row in rows), [(r.template, r.status) for r in rows]
    sent = Counter((m.to[0], m.subject) for m in mail.outbox)
    assert len(mail.outbox) == rows.count() and max(sent.values()) == 1, sent


@pytest.mark.usefixtures("broker_down")
def test_a_payment_while_the_broker_is_down_is_acknowledged_and_invoiced_once_it_is_back(client, visitor_payment):
    order, payment = visitor_payment
    event = simulator.card_accepted_event(payment)
    response = post_event(client, event)

    # Acknowledged: the payment and its follow-up work are durable.
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.PAYEE and StripeEvent.objects.get().outcome == "paid"
    task = OutboxTask.objects.get(task=INVOICE_TASK)
    assert task.status == OutboxTask.Status.PENDING
    announce = OutboxTask.objects.get(task="orders.tasks.announce_order_transition")
    assert announce.status == OutboxTask.Status.PENDING and announced_paid(order) == 0
    assert task.kwargs == {"order_id": str(order.pk), "payment_id": str(payment.pk)}
    activation = OutboxEmail.objects.get(template="activation", to=order.client.email)
    assert activation.status == E.QUEUED and activation.dispatched_at is None
    assert not Invoice.objects.exists() and mail.outbox == []
    assert post_event(client, event).status_code == 200  # Stripe's retry is a duplicate, harmlessly

    use_broker("memory://", eager=True)  # the broker is back (tasks in-process here)
    call_command("relay_outbox", "--all")
    call_command("relay_outbox", "--all")

    invoice = Invoice.objects.get(order=order)
    assert invoice.status == Invoice.Status.PAID and invoice.sent_at is not None
    assert not OutboxTask.objects.exclude(status=OutboxTask.Status.DONE).exists()
    assert announced_paid(order) == 1
    assert_each_email_sent_once()
    assert sum(1 for m in mail.outbox if m.attachments) == 1  # the invoice PDF
    assert sum(1 for m in mail.outbox if "/accounts/activate/" in m.body) == 1


@pytest.mark.django_db(transaction=True)  # a real commit inside the webhook
def test_the_webhook_is_acknowledged_once_recorded_even_if_an_after_commit_step_fails(client, visitor_payment, monkeypatch):
    order, payment = visitor_payment

    def broken(**kwargs):
        raise RuntimeError("the notification service is down")

    monkeypatch.setattr("orders.events.announce_transition", broken)
    response = post_event(client, simulator.card_accepted_event(payment))
    assert response.status_code == 200  # a 500 now would make Stripe's retry a "duplicate"
    assert StripeEvent.objects.get().outcome == "paid"
    # The failing step keeps its outbox row, with its error, for the relay;
    # the others went on.
    announce = OutboxTask.objects.get(task="orders.tasks.announce_order_transition")
    assert announce.status == OutboxTask.Status.PENDING and "notification service" in announce.last_error
    assert Invoice.objects.filter(order=order).exists()
    monkeypatch.undo()
    call_command("relay_outbox", "--all")
    assert not OutboxTask.objects.exclude(status=OutboxTask.Status.DONE).exists()
    assert announced_paid(order) == 1


def test_an_error_before_commit_records_nothing_and_stripe_retries(client, visitor_payment, monkeypatch):
    order, payment = visitor_payment

    def broken(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr("billing.payments.outbox_task_queue", broken)
    with pytest.raises(RuntimeError):
        post_event(client, simulator.card_accepted_event(payment))
    order.refresh_from_db()
    assert order.status == Order.Status.EN_ATTENTE
    assert not StripeEvent.objects.exists()
    assert not OutboxTask.objects.exclude(task="orders.tasks.announce_order_created").exists()


def test_with_smtp_down_the_payment_is_acknowledged_and_the_invoice_follows_when_it_is_back(
    client, visitor_payment, settings
):
    order, payment = visitor_payment
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # refused
    assert post_event(client, simulator.card_accepted_event(payment)).status_code == 200

    invoice = Invoice.objects.get(order=order)  # issued; its e-mail could not leave
    assert invoice.sent_at is None
    task = OutboxTask.objects.get(task=INVOICE_TASK)
    assert task.status == OutboxTask.Status.PENDING and "refused" in task.last_error.lower()
    assert OutboxEmail.objects.filter(status=E.FAILED).exists() and mail.outbox == []

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("relay_outbox", "--all")
    call_command("relay_outbox", "--all")
    invoice.refresh_from_db()
    task.refresh_from_db()
    assert invoice.sent_at is not None and task.status == OutboxTask.Status.DONE
    assert sum(1 for m in mail.outbox if m.attachments) == 1


@pytest.mark.usefixtures("broker_down")
def test_a_credit_note_issued_while_the_broker_is_down_is_emailed_once_it_is_back(invoice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        note = credit_note_issue(invoice=invoice, amount_ttc=1000, refund_id="re_outage")  # must not raise
    assert OutboxTask.objects.get(task="billing.tasks.send_credit_note").kwargs == {"credit_note_id": str(note.pk)}
    assert mail.outbox == []

    use_broker("memory://", eager=True)
    call_command("relay_outbox", "--all")
    call_command("relay_outbox", "--all")
    note.refresh_from_db()
    assert note.sent_at is not None
    assert OutboxTask.objects.get(task="billing.tasks.send_credit_note").status == OutboxTask.Status.DONE
    assert [m.subject for m in mail.outbox if m.attachments] == [mail.outbox[0].subject] and len(mail.outbox) == 1


# --- The sweeper ----------------------------------------------------------------

@pytest.fixture
def paid_without_invoice(make_order, settings):
    """Paid 20 minutes ago; its follow-up work was lost (a given-up task)."""
    settings.INVOICE_SWEEP_AFTER_SECONDS = 600
    order = make_order()
    payment = start_checkout(order)
    order_mark_paid(order=order, amount=order.price)
    paid_at = timezone.now() - timedelta(minutes=20)
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.SUCCEEDED, amount_received=order.price,
                                                 paid_at=paid_at, method_label="Visa •••• 4242")
    return order


def test_the_sweeper_issues_and_sends_the_missing_invoice_once(paid_without_invoice, capsys):
    call_command("issue_missing_invoices")
    call_command("issue_missing_invoices")
    invoice = Invoice.objects.get(order=paid_without_invoice)
    assert invoice.status == Invoice.Status.PAID and invoice.sent_at is not None
    assert invoice.payment.method_label == "Visa •••• 4242"
    assert sum(1 for m in mail.outbox if m.attachments) == 1
    out = capsys.readouterr().out
    assert "1 facture(s) émise(s) ou envoyée(s)." in out and "0 facture(s)" in out


def test_the_sweeper_sends_an_invoice_issued_but_never_sent(paid_without_invoice):
    invoice_issue_for_order(order=paid_without_invoice)  # e.g. a refund overtook the invoice task
    call_command("issue_missing_invoices")
    assert Invoice.objects.get(order=paid_without_invoice).sent_at is not None
    assert sum(1 for m in mail.outbox if m.attachments) == 1


def test_the_sweeper_leaves_recent_free_flagged_and_unpaid_orders(make_order, paid_without_invoice):
    recent = paid_without_invoice
    Payment.objects.filter(order=recent).update(paid_at=timezone.now())  # the outbox still has time
    flagged = make_order()
    Payment.objects.create(order=flagged, provider="simulator", amount=flagged.price, status=Payment.Status.SUCCEEDED,
                           needs_review=True, paid_at=timezone.now() - timedelta(hours=1))
    unpaid = make_order()
    Payment.objects.create(order=unpaid, provider="simulator", amount=unpaid.price, status=Payment.Status.PENDING)
    free = make_order()  # paid at 0 €: no payment, no invoice
    Order.objects.filter(pk=free.pk).update(paid_at=timezone.now() - timedelta(hours=1), estimated_price=0, final_price=0, amount=0)
    call_command("issue_missing_invoices")
    assert not Invoice.objects.exists() and mail.outbox == []


def test_the_sweeper_reports_a_failure_with_a_non_zero_exit(paid_without_invoice, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1
    with pytest.raises(CommandError, match="1 échec"):
        call_command("issue_missing_invoices")
    assert Invoice.objects.filter(order=paid_without_invoice, sent_at__isnull=True).exists()  # next run sends it


@pytest.mark.django_db(transaction=True)
@server_database_only
def test_duplicate_deliveries_running_at_once_send_the_invoice_once(paid_without_invoice):
    """The relay and Redis's redelivery may hand one task to two workers at
    once: the send is guarded (core.outbox.exclusive), the second run finds it sent."""
    order = paid_without_invoice
    payment_id = str(order.payments.get().pk)
    numbers, errors = run_in_threads(range(6), lambda _: issue_invoice_for_paid_order(str(order.pk), payment_id), threads=6)
    assert errors == [] and len(set(numbers)) == 1
    assert sum(1 for m in mail.outbox if m.attachments) == 1


@pytest.mark.django_db(transaction=True)
@server_database_only
def test_duplicate_deliveries_of_an_email_running_at_once_send_it_once():
    record = OutboxEmail.objects.create(to="lea@example.org", template="activation",
                                        context={"first_name": "Léa", "activation_path": "/accounts/activate/x/"})
    _, errors = run_in_threads(range(6), lambda _: send_outbox_email(record.pk), threads=6)
    record.refresh_from_db()
    assert errors == [] and len(mail.outbox) == 1 and record.status == E.SENT and record.attempts == 1


# --- A real worker on Redis and MariaDB -------------------------------------------

real_services = pytest.mark.skipif(
    not settings.REDIS_URL or connection.vendor != "mysql",
    reason="needs Redis and MariaDB shared with a worker process (CI runs both)",
)


@pytest.fixture
def sink():
    server = SmtpSink(stall_on=lambda raw: b"application/pdf" in raw).start()
    yield server
    server.stop()


@pytest.fixture
def no_leftover_messages():
    """A killed worker's message stays "unacknowledged" in Redis and would be
    handed to another test's worker later: forget it."""
    yield
    redis.Redis.from_url(settings.REDIS_URL).delete("unacked", "unacked_index")
    app.control.purge()


def sent(sink, *, pdf):
    return [message for _, message in sink.messages
            if any(part.get_content_type() == "application/pdf" for part in message.walk()) == pdf]


def effects_settled(order):
    return (Invoice.objects.filter(order=order, sent_at__isnull=False).exists()
            and not OutboxTask.objects.exclude(status=OutboxTask.Status.DONE).exists()
            and not OutboxEmail.objects.exclude(status=E.SENT).exclude(last_error__startswith="interrupted").exists())


def assert_every_email_once(sink):
    received = Counter((tuple(recipients), str(message["subject"])) for recipients, message in sink.messages)
    assert received and max(received.values()) == 1, received
    assert len(sink.messages) == OutboxEmail.objects.filter(status=E.SENT).count()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("real_broker", "no_leftover_messages")
@real_services
def test_real_broker_down_at_payment_then_back_every_effect_happens_once(visitor_payment, sink):
    order, payment = visitor_payment
    sink.stall_on = None
    with broker(CLOSED_BROKER, eager=False):
        assert simulator.deliver(simulator.card_accepted_event(payment)) == "paid"  # acknowledged: no exception
    assert OutboxTask.objects.get(task=INVOICE_TASK).dispatched_at is None
    assert not OutboxEmail.objects.exclude(status=E.QUEUED).exists()

    worker = start_worker(sink.url)  # the broker is back, and a worker
    try:
        call_command("relay_outbox", "--all")
        call_command("relay_outbox", "--all")  # twice: a task delivered twice must still act once
        settled = wait_for(lambda: effects_settled(order), timeout=60)
        time.sleep(2)  # let a duplicate delivery show itself
    finally:
        log = stop(worker)
    assert settled, log[-3000:]
    assert Invoice.objects.filter(order=order).count() == 1
    assert len(sent(sink, pdf=True)) == 1
    assert any("/accounts/activate/" in message.get_body(("plain",)).get_content() for message in sent(sink, pdf=False))
    assert_every_email_once(sink)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("real_broker", "no_leftover_messages")
@real_services
def test_a_worker_killed_while_sending_the_invoice_sends_it_once_after_a_restart(make_order, sink):
    order = make_order()
    payment = start_checkout(order)
    first = start_worker(sink.url)
    try:
        assert simulator.deliver(simulator.card_accepted_event(payment)) == "paid"
        # The mail server holds the invoice e-mail without answering: the
        # worker is mid-task, the message not delivered. Kill it there.
        stalled = sink.stalled.wait(60)
    finally:
        first.kill()  # SIGKILL: no cleanup, no acknowledgement
        log = first.communicate()[0]
    assert stalled, log[-3000:]
    sink.release.set()
    invoice = Invoice.objects.get(order=order)
    assert invoice.sent_at is None and sent(sink, pdf=True) == []

    second = start_worker(sink.url)
    try:
        call_command("relay_outbox", "--all")  # the relay hands the task over again at once
        settled = wait_for(lambda: effects_settled(order), timeout=60)
        call_command("relay_outbox", "--all")
        time.sleep(2)
    finally:
        log = stop(second)
    assert settled, log[-3000:]
    assert Invoice.objects.filter(order=order).count() == 1
    assert len(sent(sink, pdf=True)) == 1
    assert OutboxEmail.objects.filter(template="invoice", status=E.SENT).count() == 1
    assert_every_email_once(sink)


# --- A saved card while the broker is down ---------------------------------------------

def test_a_card_saved_while_the_broker_is_down_becomes_stripes_default_once_it_is_back(client, client_user, stripe_mode):
    from billing.models import Customer, PaymentMethod
    from billing.tests.test_cards import STRIPE_SECRET, setup_event

    Customer.objects.create(user=client_user, stripe_customer_id="cus_fake_author")
    event = setup_event(client_user, "pm_fake_new", "evt_s1")
    with broker(CLOSED_BROKER, eager=False):
        payload = json.dumps(event)
        signature = stripe.WebhookSignature.generate_signature_header(payload, STRIPE_SECRET)
        response = client.post(WEBHOOK, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)
        assert response.status_code == 200  # recorded: the provider's side follows
        assert PaymentMethod.objects.get().is_default
        assert stripe_mode.calls("/v1/customers/cus_fake_author") == []

        use_broker("memory://", eager=True)
        call_command("relay_outbox", "--all")
        call_command("relay_outbox", "--all")
    (update,) = stripe_mode.calls("/v1/customers/cus_fake_author")
    assert update["invoice_settings"]["default_payment_method"] == "pm_fake_new"
    assert OutboxTask.objects.get(task="billing.tasks.push_default_card_to_provider").status == OutboxTask.Status.DONE
