"""Requests racing on the same order: the row lock lets one through."""

import pytest

from core.testing import run_in_threads, server_database_only
from orders import services
from orders.models import Order, OrderEvent
from orders.services import OrderError

pytestmark = [pytest.mark.django_db(transaction=True), server_database_only]


def race(action, times=4):
    """Run `action` from `times` threads at once; count who got through."""

    def attempt(_):
        try:
            action()
        except OrderError:
            return "refused"
        return "ok"

    outcomes, errors = run_in_threads(range(times), attempt, threads=times)
    assert errors == []
    return sorted(outcomes)


def test_concurrent_payments_mark_the_order_paid_once(make_order):
    order = make_order()
    outcomes = race(lambda: services.order_mark_paid(order=Order.objects.get(pk=order.pk), amount=order.price))
    assert outcomes == ["ok", "refused", "refused", "refused"]
    assert OrderEvent.objects.filter(order=order, to_status=Order.Status.PAYEE).count() == 1


def test_concurrent_revision_requests_count_once(delivered_order, client_user):
    outcomes = race(lambda: services.order_request_revision(order=delivered_order, by=client_user, comment="Page 3"))
    assert outcomes.count("ok") == 1
    delivered_order.refresh_from_db()
    assert delivered_order.revision_count == 1
