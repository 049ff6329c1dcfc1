"""0 € orders (10 pages or fewer of a per-page service, or a quote at 0 €)
skip payment: no checkout, no Payment, no invoice, straight to the queue."""

import pytest
from django.apps import apps
from django.urls import reverse

from accounts.tests.factories import CorrectorFactory
from core.testing import page_text
from orders import services
from orders.models import Order, OrderEvent

from .factories import ServiceFactory
from .test_visitor_and_housekeeping import visitor_post

pytestmark = pytest.mark.django_db
S = Order.Status


def billing_rows(order):
    # orders never imports billing: look its models up by name.
    payments = apps.get_model("billing", "Payment").objects.filter(order=order)
    invoices = apps.get_model("billing", "Invoice").objects.filter(order=order)
    return payments.count(), invoices.count()


def assert_free_and_queued(order):
    order.refresh_from_db()
    assert order.status == S.PAYEE
    assert order.payment_status == Order.PAYMENT_STATUS_FREE and order.amount == 0 and order.paid_at is None
    assert order.due_date is not None
    assert order.events.filter(kind=OrderEvent.Kind.STATUS, to_status=S.PAYEE, actor=None,
                               note__contains="offerte").count() == 1
    assert billing_rows(order) == (0, 0)


@pytest.mark.parametrize("pages", [1, 10])
def test_ten_pages_or_fewer_go_straight_to_the_queue(make_order, pages, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(declared_pages=pages)
    assert order.price == 0
    assert_free_and_queued(order)
    notifications = order.client.notifications.values_list("title", "message")
    assert any("offerte" in message for _title, message in notifications)
    assert not any("Paiement" in title or "paiement" in message for title, message in notifications)


def test_eleven_pages_still_await_payment(make_order):
    order = make_order(declared_pages=11)
    assert order.status == S.EN_ATTENTE and order.price == 200


def test_free_orders_are_auto_assigned_when_enabled(make_order, settings):
    settings.ORDERS_AUTO_ASSIGN = True
    corrector = CorrectorFactory()
    order = make_order(declared_pages=8)
    order.refresh_from_db()
    assert order.corrector == corrector
    assert order.events.filter(kind=OrderEvent.Kind.ASSIGNMENT).count() == 1


def test_a_quote_accepted_at_zero_goes_to_the_queue(make_order, client_user, staff):
    order = make_order(service=ServiceFactory(needs_page_verification=True), declared_pages=30)
    assert order.status == S.EN_ATTENTE_VERIFICATION
    order = services.order_send_quote(order=order, verified_pages=9, by=staff)
    assert order.final_price == 0
    order = services.order_accept_quote(order=order, by=client_user)
    assert_free_and_queued(order)


def test_a_free_order_cannot_be_marked_paid(make_order):
    order = make_order(declared_pages=5)
    with pytest.raises(services.OrderError):
        services.order_mark_paid(order=order, amount=0)
    Order.objects.filter(pk=order.pk).update(status=S.EN_ATTENTE)  # even if it were back awaiting payment
    with pytest.raises(services.OrderError, match="offerte"):
        services.order_mark_paid(order=order, amount=0)


def test_the_order_pages_say_offerte_never_payer(client, make_order, client_user):
    order = make_order(declared_pages=10)
    client.force_login(client_user)
    detail = page_text(client.get(reverse("orders:detail", args=[order.pk])))
    assert "Offerte" in detail and "Payer" not in detail and "0,00" not in detail
    # Its history never says it awaited a payment or was paid.
    assert "Commande enregistrée" in detail
    assert "En attente de paiement" not in detail and "Payée" not in detail
    dashboard = page_text(client.get(reverse("orders:client_dashboard")))
    assert "Offerte" in dashboard and "0,00" not in dashboard


def test_the_calculator_says_offerte(client, service):
    text = page_text(client.get(reverse("orders:quote"), {"service": service.pk, "declared_pages": 7}))
    assert "Offerte" in text and "0,00" not in text


def test_a_visitors_free_order_offers_no_payment(client, service, terms):
    response = visitor_post(client, service, declared_pages=3)
    order = Order.objects.get()
    assert order.status == S.PAYEE and billing_rows(order) == (0, 0)
    text = page_text(client.get(response.url))
    assert "offerte" in text and "Payer" not in text and "/pay/" not in text
