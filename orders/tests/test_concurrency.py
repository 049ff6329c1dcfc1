"""Two requests racing on the same order: the row lock lets one through."""

import threading

import pytest
from django.db import connection

from orders import services
from orders.models import Order, OrderEvent
from orders.services import OrderError

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # SQLite's shared in-memory test database answers "table is locked" instead
    # of waiting; the real race is run against MariaDB in CI.
    pytest.mark.skipif(connection.vendor == "sqlite", reason="needs a server database (MariaDB in CI)"),
]


def race(action, times=4):
    barrier = threading.Barrier(times)
    outcomes = []

    def run():
        barrier.wait()
        try:
            action()
            outcomes.append("ok")
        except OrderError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
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
