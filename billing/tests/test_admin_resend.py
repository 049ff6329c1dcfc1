"""Staff e-mail an invoice again from the admin, through the service."""

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from billing import invoicing
from billing.models import Invoice
from core.models import AuditLog, OutboxTask

pytestmark = pytest.mark.django_db


def resend(client, invoices):
    return client.post(reverse("admin:billing_invoice_changelist"), {
        "action": "resend_invoices", "index": "0", "_selected_action": [str(i.pk) for i in invoices],
    })


def test_the_action_emails_the_invoice_again(client, staff_user, invoice):
    client.force_login(staff_user)
    mail.outbox.clear()
    response = resend(client, [invoice])
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["1 facture remise en envoi."]
    assert [m.to for m in mail.outbox] == [[invoice.buyer["email"]]]
    assert invoice.number in mail.outbox[0].subject + mail.outbox[0].body
    invoice.refresh_from_db()
    assert invoice.sent_at is not None


def test_a_double_click_before_sending_queues_one_email(invoice, staff_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        assert invoicing.invoice_resend(invoice=invoice, by=staff_user) is True
        assert invoicing.invoice_resend(invoice=invoice, by=staff_user) is False
    assert OutboxTask.objects.filter(task__endswith="resend_invoice").count() == 1


def test_the_resend_is_audited_once_with_who_asked(client, staff_user, invoice):
    client.force_login(staff_user)
    resend(client, [invoice])
    entries = AuditLog.objects.filter(action="invoice.resend")
    assert [(e.actor, e.target_id, e.ip_address) for e in entries] == [(staff_user, str(invoice.pk), "127.0.0.1")]


def test_a_cancelled_invoice_is_refused_with_its_reason(client, staff_user, invoice):
    Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.CANCELLED)
    client.force_login(staff_user)
    mail.outbox.clear()
    response = resend(client, [invoice])
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "1 refusé" in message and "annulée" in message
    assert not mail.outbox
    assert not OutboxTask.objects.filter(task__endswith="resend_invoice").exists()
