"""seed_demo's billing part: complete, idempotent, and honest when it cannot be."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase

from billing import demo, simulator
from billing.models import CreditNote, Invoice, Payment
from orders.models import Order

pytestmark = pytest.mark.django_db


def seed(*args):
    """Run seed_demo; its on-commit work (invoice tasks, e-mails) runs as after a real commit."""
    out = StringIO()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def billing_demo_state():
    paid = Order.objects.filter(title=demo.PAID_TITLE).first()
    refunded = Order.objects.filter(title=demo.REFUNDED_TITLE).first()
    return {
        "paid": paid.status if paid else None,
        "refunded": refunded.status if refunded else None,
        "invoices": Invoice.objects.count(),
        "credit_notes": CreditNote.objects.count(),
        "payments": Payment.objects.count(),
    }


def test_the_demo_pays_and_refunds_once_whatever_the_number_of_runs():
    assert "billing : ok" in seed()
    state = billing_demo_state()
    assert state["paid"] == Order.Status.PAYEE and state["refunded"] == Order.Status.ANNULEE
    assert state["credit_notes"] == 1
    assert not Order.objects.filter(paid_at__isnull=False, invoice__isnull=True).exists()
    assert "Données de démonstration prêtes." in seed()
    assert billing_demo_state() == state


@pytest.fixture
def production_without_stripe(settings):
    settings.IS_PRODUCTION = True
    settings.PAYMENTS_SIMULATOR = False
    settings.STRIPE_SECRET_KEY = ""


def test_without_a_gateway_the_demo_says_what_it_left_out_every_time(production_without_stripe):
    for _run in range(2):
        out = seed("--i-know-this-is-production")
        assert "billing : incomplet" in out and "simulateur de paiement" in out
        assert "Données de démonstration prêtes." not in out
        assert "sauf ce qui est signalé" in out
    # Nothing half-made: no demo order waiting for a payment that cannot come.
    assert billing_demo_state()["paid"] is None and billing_demo_state()["refunded"] is None
    assert not Payment.objects.exists()


def test_a_run_that_fails_halfway_leaves_nothing_half_made_and_the_next_completes_it(monkeypatch):
    real_deliver = simulator.deliver

    def broken_deliver(event):
        raise ConnectionError("webhook unreachable")

    monkeypatch.setattr(simulator, "deliver", broken_deliver)
    with pytest.raises(CommandError, match="« billing » a échoué"):
        seed()
    assert billing_demo_state()["paid"] is None and not Payment.objects.exists()

    monkeypatch.setattr(simulator, "deliver", real_deliver)
    assert "billing : ok" in seed()
    state = billing_demo_state()
    assert state["paid"] == Order.Status.PAYEE and state["refunded"] == Order.Status.ANNULEE


def test_an_order_left_unpaid_by_an_older_run_is_paid_by_the_next():
    seed()
    order = Order.objects.get(title=demo.PAID_TITLE)
    # As the old seeder left it when it crashed after creating the order.
    Invoice.objects.filter(order=order).delete()
    Payment.objects.filter(order=order).delete()
    Order.objects.filter(pk=order.pk).update(status=Order.Status.EN_ATTENTE, paid_at=None, amount=None)
    seed()
    order.refresh_from_db()
    assert order.status == Order.Status.PAYEE and Invoice.objects.filter(order=order).exists()
