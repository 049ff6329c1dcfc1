import smtplib

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from accounts.tests.factories import AdminFactory
from core.emails import queue_templated_email, send_templated_email
from core.models import OutboxEmail
from core.tasks import send_outbox_email

pytestmark = pytest.mark.django_db
CONTEXT = {"first_name": "Léa", "activation_path": "/accounts/activate/x/"}


def test_queued_email_is_recorded_then_sent_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record = queue_templated_email(template="activation", to="lea@example.org", context=CONTEXT)
        assert mail.outbox == []  # nothing leaves before the commit
    record.refresh_from_db()
    assert record.status == OutboxEmail.Status.SENT and record.attempts == 1 and record.sent_at
    assert record.subject.startswith("Activez votre compte")
    assert mail.outbox[0].to == ["lea@example.org"]


def test_a_rolled_back_transaction_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                queue_templated_email(template="activation", to="x@example.org", context=CONTEXT)
                raise RuntimeError("the caller failed")
        except RuntimeError:
            pass
    assert not OutboxEmail.objects.exists() and mail.outbox == []


def test_sent_emails_are_not_sent_twice():
    record = OutboxEmail.objects.create(to="a@example.org", template="activation", context=CONTEXT)
    send_outbox_email.delay(record.pk)
    send_outbox_email.delay(record.pk)  # a redelivered task
    assert len(mail.outbox) == 1


def test_without_a_broker_an_smtp_failure_is_recorded_not_raised(monkeypatch):
    calls = []

    def broken_send(self, fail_silently=False):
        calls.append(1)
        raise smtplib.SMTPServerDisconnected("connection lost")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", broken_send)
    record = OutboxEmail.objects.create(to="a@example.org", template="activation", context=CONTEXT)
    send_outbox_email.delay(record.pk)  # eager: must not raise into the web request
    record.refresh_from_db()
    assert len(calls) == 1  # real retries need a worker: see test_celery_worker.py
    assert record.status == OutboxEmail.Status.FAILED and "connection lost" in record.last_error


def test_direct_sends_with_attachments_are_recorded():
    send_templated_email(template="activation", to="b@example.org", context=CONTEXT,
                         attachments=[("a.pdf", b"%PDF-1.4", "application/pdf")])
    record = OutboxEmail.objects.get()
    assert record.status == OutboxEmail.Status.SENT and record.has_attachments


def test_staff_resend_failed_emails_from_the_admin(client):
    failed = OutboxEmail.objects.create(to="c@example.org", template="activation", context=CONTEXT,
                                        status=OutboxEmail.Status.FAILED, attempts=7, last_error="boom")
    client.force_login(AdminFactory())
    client.post(reverse("admin:core_outboxemail_changelist"), {"action": "resend", "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    assert failed.status == OutboxEmail.Status.SENT and mail.outbox[-1].to == ["c@example.org"]


def test_plain_text_parts_are_not_html_escaped():
    from core.emails import render_templated_email

    subject, text, html = render_templated_email(
        template="notification", context={"first_name": "Zoé", "title": "Mémoires d'un libraire",
                                          "message": "« Mémoires d'un libraire » <b>livré</b>", "action_path": ""},
    )
    assert subject == "Mémoires d'un libraire"
    assert "Mémoires d'un libraire" in text and "<b>livré</b>" in text
    assert "&lt;b&gt;" in html  # the HTML part still escapes
