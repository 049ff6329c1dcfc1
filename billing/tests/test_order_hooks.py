"""Billing's part in the orders workflow: abandoned-order purge, 0 € orders."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.services import user_register
from billing.models import Payment
from billing.payments import PaymentError, payment_start_checkout
from core.registry import order_purge_hooks
from orders import services
from orders.demo import demo_pdf
from orders.models import Order

pytestmark = pytest.mark.django_db


def visitor_order(service, email):
    """What a visitor's order form leaves: an inactive account and its order."""
    client = user_register(email=email, password="Mon-Roman-Fleuve-1936", first_name="Léon", last_name="Blum",
                           phone="06 01 02 03 04", attempt="order")
    return services.order_create(
        client=client, service=service, title="À la recherche", declared_pages=40, manuscripts=[demo_pdf("roman.pdf")],
    )


def open_checkout(order):
    payment_start_checkout(order=order, success_url="http://testserver/ok", cancel_url="http://testserver/ko")
    return order.payments.get()


def age(*orders, days=8):
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(created_at=timezone.now() - timedelta(days=days))


def test_billing_registers_its_purge_hook():
    assert "billing" in order_purge_hooks


def test_an_abandoned_order_whose_checkout_was_opened_is_purged(service, django_capture_on_commit_callbacks):
    order = visitor_order(service, "leon@example.org")
    payment = open_checkout(order)
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.EXPIRED)
    second = services.order_create(client=order.client, service=service, title="Tome 2", declared_pages=40)
    open_checkout(second)  # still PENDING
    age(order, second)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.orders_purge_abandoned() == 2
    assert not Order.objects.filter(pk__in=[order.pk, second.pk]).exists()
    assert not Payment.objects.exists()
    assert not User.objects.filter(email="leon@example.org").exists()


def test_one_order_that_cannot_go_does_not_stop_the_others(service, caplog):
    with_money = visitor_order(service, "paye@example.org")
    payment = open_checkout(with_money)
    # Money arrived but the order was not marked paid (say, a wrong amount, flagged for staff).
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.SUCCEEDED, needs_review=True)
    abandoned = visitor_order(service, "parti@example.org")
    open_checkout(abandoned)
    age(with_money, abandoned)

    with caplog.at_level(logging.ERROR, logger="orders.services"):
        assert services.orders_purge_abandoned() == 1
    assert not Order.objects.filter(pk=abandoned.pk).exists()
    with_money.refresh_from_db()
    assert Payment.objects.filter(pk=payment.pk, status=Payment.Status.SUCCEEDED).exists()
    assert with_money.files.count() == 1 and with_money.events.exists()
    assert str(with_money.client_id) in caplog.text and "not purged" in caplog.text
    # The next run still works (and still keeps the paid one).
    assert services.orders_purge_abandoned() == 0


def test_a_free_visitor_order_in_the_queue_is_not_abandoned(service):
    free = visitor_order(service, "gratuit@example.org")
    free = services.order_create(client=free.client, service=service, title="Nouvelle", declared_pages=4)
    assert free.status == Order.Status.PAYEE
    age(free)
    Order.objects.filter(client=free.client).update(created_at=timezone.now() - timedelta(days=8))
    assert services.orders_purge_abandoned() == 0
    assert Order.objects.filter(pk=free.pk).exists()


def test_no_checkout_opens_for_a_zero_euro_order(make_order):
    order = make_order(declared_pages=30)
    Order.objects.filter(pk=order.pk).update(estimated_price=0, final_price=0)
    with pytest.raises(PaymentError, match="offerte"):
        open_checkout(order)
    assert not Payment.objects.exists()
