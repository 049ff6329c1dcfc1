""""Mes projets" opened as usual (no filter, first page) comes from the cache
until one of the client's orders is written or a service renamed (issue 13)."""

import pytest
from django.urls import reverse

from core.testing import page_text
from orders import services
from orders.models import Order

pytestmark = pytest.mark.django_db
URL = reverse("orders:client_dashboard")


def orders_read(queries):
    return [query["sql"] for query in queries.captured_queries if "orders_order" in query["sql"]]


def test_the_usual_visit_reads_no_order_after_the_first(client, client_user, make_order,
                                                        django_assert_max_num_queries):
    make_order(title="Alpha")
    client.force_login(client_user)
    client.get(URL)
    with django_assert_max_num_queries(1) as queries:  # the session, where it is not in Redis
        response = client.get(URL)
    assert orders_read(queries) == []
    assert response.context["counts"]["all"] == 1
    assert "Alpha" in page_text(response)


def test_a_new_order_and_a_status_change_show_at_the_next_visit(client, client_user, make_order):
    first = make_order(title="Alpha")
    client.force_login(client_user)
    assert client.get(URL).context["counts"] == {"active": 0, "awaiting": 1, "finished": 0, "all": 1}
    make_order(title="Bêta")
    services.order_mark_paid(order=first, amount=first.price)
    response = client.get(URL)
    assert response.context["counts"] == {"active": 1, "awaiting": 1, "finished": 0, "all": 2}
    assert "Bêta" in page_text(response)


def test_a_deleted_order_leaves_the_list(client, client_user, make_order):
    make_order(title="Alpha")
    gone = make_order(title="Bêta")
    client.force_login(client_user)
    assert "Bêta" in page_text(client.get(URL))
    Order.objects.get(pk=gone.pk).delete()
    response = client.get(URL)
    assert "Bêta" not in page_text(response) and response.context["counts"]["all"] == 1


def test_a_renamed_service_shows_at_the_next_visit(client, client_user, make_order, service):
    make_order(title="Alpha")
    client.force_login(client_user)
    assert service.name in page_text(client.get(URL))
    service.name = "Relecture intégrale renommée"
    service.save()
    assert "Relecture intégrale renommée" in page_text(client.get(URL))


def test_the_cache_is_the_clients_own(client, client_user, make_order):
    from accounts.tests.factories import UserFactory

    make_order(title="Alpha")
    client.force_login(client_user)
    client.get(URL)
    client.force_login(UserFactory())
    response = client.get(URL)
    assert response.context["counts"]["all"] == 0 and "Alpha" not in page_text(response)


def test_filtered_and_later_pages_are_read_afresh(client, client_user, make_order):
    make_order(title="Alpha")
    client.force_login(client_user)
    client.get(URL)
    second = make_order(title="Bêta")
    # bulk writes send no signal: only the usual visit may lag behind them
    Order.objects.filter(pk=second.pk).update(title="Gamma")
    assert "Gamma" in page_text(client.get(URL, {"status": "awaiting"}))
    assert "Gamma" in page_text(client.get(URL, {"q": "Gam"}))
