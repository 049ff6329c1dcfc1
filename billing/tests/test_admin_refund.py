import pytest
from django.urls import reverse

from billing import simulator
from billing.models import CreditNote, Payment
from billing.payments import payment_start_checkout
from core.testing import page_text
from orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(make_order):
    order = make_order()
    payment_start_checkout(order=order, success_url="http://x/ok", cancel_url="http://x/ko")
    payment = order.payments.get()
    simulator.deliver(simulator.card_accepted_event(payment))
    payment.refresh_from_db()
    return order, payment


def test_staff_refund_part_then_all_from_the_admin(client, staff, paid, django_capture_on_commit_callbacks):
    order, payment = paid
    client.force_login(staff)
    url = reverse("admin:billing_payment_refund", args=[payment.pk])
    assert "Remboursable" in page_text(client.get(url))
    too_much = client.post(url, {"amount": "9999", "reason": ""})
    assert "compris entre" in page_text(too_much)
    response = client.post(url, {"amount": "100,00", "reason": "Geste commercial"}, follow=True)
    assert "Remboursement effectué" in page_text(response)
    payment.refresh_from_db()
    assert payment.amount_refunded == 10000 and payment.status == Payment.Status.PARTIALLY_REFUNDED
    assert CreditNote.objects.get().reason == "Geste commercial"
    client.post(url, {"amount": str((order.price - 10000) / 100).replace(".", ","), "reason": ""})
    order.refresh_from_db()
    assert order.status == Order.Status.ANNULEE and CreditNote.objects.count() == 2


def test_clients_cannot_reach_the_refund_page(client, client_user, paid):
    _order, payment = paid
    client.force_login(client_user)
    response = client.get(reverse("admin:billing_payment_refund", args=[payment.pk]), follow=True)
    assert response.status_code == 403
    assert not CreditNote.objects.exists()


def test_services_admin_offers_the_stripe_sync(client, staff, service):
    client.force_login(staff)
    response = client.get(reverse("admin:orders_service_changelist"))
    assert "Synchroniser avec Stripe" in page_text(response)
