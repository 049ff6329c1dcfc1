"""Invoices and credit notes are always e-mailed (accounting documents), and
the preferences page says so; it also says what the other kinds cover."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.preferences import email_allowed
from billing import simulator
from billing.payments import payment_refund, payment_start_checkout
from core.testing import page_text

pytestmark = pytest.mark.django_db


def test_the_preferences_page_says_invoices_are_always_sent_and_what_each_kind_covers(client, client_user):
    client.force_login(client_user)
    form = client.get(reverse("accounts:profile")).context["preferences_form"]
    assert form.fields["billing"].disabled and form["billing"].value() is True
    text = page_text(client.get(reverse("accounts:profile")))
    assert "Toujours envoyés : une facture ou un avoir est un document comptable" in text
    assert "aucune lettre d'information pour l'instant" in text
    assert "Vos demandes d'assistance" in text and "Nouveaux messages" in text


def test_turning_billing_off_is_not_possible(client, client_user):
    client.force_login(client_user)
    client.post(reverse("accounts:notification_preferences"), {"orders": "on"})  # billing unchecked
    client_user.refresh_from_db()
    assert client_user.preferences["notifications"]["billing"] is True
    assert email_allowed(client_user, "billing")


def test_invoice_and_credit_note_reach_a_client_who_had_turned_billing_off(
    client_user, make_order, staff, django_capture_on_commit_callbacks
):
    # Saved before the box was locked: the old choice no longer stops them.
    client_user.preferences = {"notifications": {"billing": False}}
    client_user.save(update_fields=["preferences"])
    order = make_order()
    payment_start_checkout(order=order, success_url="http://x/ok", cancel_url="http://x/ko")
    payment = order.payments.get()
    with django_capture_on_commit_callbacks(execute=True):
        simulator.deliver(simulator.card_accepted_event(payment))
    with django_capture_on_commit_callbacks(execute=True):
        payment.refresh_from_db()
        payment_refund(payment=payment, amount=1000, by=staff)
    to_client = [m for m in mail.outbox if m.to == [client_user.email]]
    assert [a[0][:4] for m in to_client for a in m.attachments] == ["FACT", "AVOI"]
