"""The staff board and a corrector's queue as usually opened (no cursor) come
from the cache until an order, a rating or a user is written, or the day
changes (orders.selectors.order_lists_cached, issue 13)."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import CorrectorFactory
from core.testing import enforce_csrf, page_text
from orders import services
from orders.models import Order

pytestmark = pytest.mark.django_db
S = Order.Status


def orders_read(queries):
    return [query["sql"] for query in queries.captured_queries if "orders_order" in query["sql"]]


def queue(client):
    return client.get(reverse("orders:corrector_queue"))


def board(client):
    return client.get(reverse("orders:staff_board"))


def titles(page):
    return [order.title for order in page]


def test_a_second_look_at_the_queue_reads_no_order(client, corrector, working_order, django_assert_max_num_queries):
    client.force_login(corrector)
    queue(client)
    with django_assert_max_num_queries(1) as queries:  # the session, where it is not in Redis
        response = queue(client)
    assert orders_read(queries) == [] and working_order.title in page_text(response)


def test_kept_markup_carries_each_requests_csrf_token(client, corrector, staff, working_order, paid_order):
    """The lists' markup is kept with a placeholder where the forms' token
    goes: each request gets its own, a form posted from it passes."""
    for who, url in ((corrector, reverse("orders:corrector_queue")), (staff, reverse("orders:staff_board"))):
        client.force_login(who)
        client.get(url)
        client.logout()
        client.force_login(who)  # another session, another CSRF secret
        html = client.get(url).content.decode()
        assert "__staka_csrf_token__" not in html
        if who is staff:
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
            response = enforce_csrf(client).post(reverse("orders:action", args=[paid_order.pk, "assign"]),
                                                 {"csrfmiddlewaretoken": token, "corrector": corrector.pk})
            assert response.status_code == 302


def test_the_queue_follows_assignments_at_once(client, corrector, staff, paid_order, make_order):
    client.force_login(corrector)
    assert titles(queue(client).context["orders"]) == []
    services.order_assign_corrector(order=paid_order, corrector=corrector, by=staff)
    assert titles(queue(client).context["orders"]) == [paid_order.title]
    services.order_assign_corrector(order=paid_order, corrector=CorrectorFactory(), by=staff)
    assert titles(queue(client).context["orders"]) == []


def test_a_second_look_at_the_board_reads_no_order(client, staff, paid_order, django_assert_max_num_queries):
    client.force_login(staff)
    board(client)
    with django_assert_max_num_queries(1) as queries:
        response = board(client)
    assert orders_read(queries) == [] and paid_order.title in page_text(response)


def test_the_board_follows_payments_assignments_and_new_correctors_at_once(client, staff, make_order, corrector):
    order = make_order(title="Au bureau")
    client.force_login(staff)
    first = board(client)
    assert titles(first.context["to_assign"]) == [] and [c.pk for c in first.context["correctors"]] == [corrector.pk]
    services.order_mark_paid(order=order, amount=order.price)
    newcomer = CorrectorFactory(last_name="Nouvelle")
    second = board(client)
    assert titles(second.context["to_assign"]) == ["Au bureau"]
    assert newcomer.pk in [c.pk for c in second.context["correctors"]]
    services.order_assign_corrector(order=Order.objects.get(pk=order.pk), corrector=newcomer, by=staff)
    third = board(client)
    assert titles(third.context["to_assign"]) == []
    assert {c.pk: c.load for c in third.context["correctors"]}[newcomer.pk] == 1


def test_an_order_becomes_overdue_on_the_board_when_the_day_changes(client, staff, working_order, monkeypatch):
    Order.objects.filter(pk=working_order.pk).update(due_date=timezone.localdate())
    client.force_login(staff)
    assert titles(board(client).context["overdue"]) == []  # due today: not late yet
    tomorrow = timezone.localdate() + timedelta(days=1)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: tomorrow)
    assert titles(board(client).context["overdue"]) == [working_order.title]
