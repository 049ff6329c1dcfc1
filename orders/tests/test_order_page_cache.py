"""The order page's reads (the order, its files, its history) come from the
cache per order and viewer until the order, a file or a history line of it is
written (orders.selectors.order_page_reads, issue 13)."""

import pytest
from django.urls import reverse

from accounts.tests.factories import CorrectorFactory, UserFactory
from core.testing import page_text
from orders import services
from orders.demo import demo_pdf
from orders.models import Order

pytestmark = pytest.mark.django_db
S = Order.Status


def detail(client, order):
    return client.get(reverse("orders:detail", args=[order.pk]))


def order_tables_read(queries):
    return [query["sql"] for query in queries.captured_queries
            if any(table in query["sql"] for table in ("orders_order", "orders_orderevent", "`files`", '"files"'))]


def test_a_second_view_reads_neither_the_order_nor_its_files_nor_its_history(
    client, client_user, working_order, django_assert_max_num_queries
):
    client.force_login(client_user)
    detail(client, working_order)
    with django_assert_max_num_queries(3) as queries:
        response = detail(client, working_order)
    assert response.status_code == 200 and order_tables_read(queries) == []
    assert "manuscrit.pdf" in page_text(response)


def test_a_delivery_shows_its_files_and_status_to_the_client_at_once(client, client_user, corrector, working_order):
    client.force_login(client_user)
    services.order_add_deliverable(order=working_order, uploaded_file=demo_pdf("corrige.pdf"), by=corrector)
    assert "corrige.pdf" not in page_text(detail(client, working_order))
    services.order_deliver(order=working_order, by=corrector)
    page = page_text(detail(client, working_order))
    assert "corrige.pdf" in page and str(Order.Status(S.LIVREE).label) in page


def test_a_deleted_manuscript_leaves_the_page_at_once(client, client_user, make_order):
    order = make_order()
    extra = services.order_add_manuscript(order=order, uploaded_file=demo_pdf("second.pdf"), by=client_user)
    client.force_login(client_user)
    def manuscripts():
        return [stored.original_name for stored in detail(client, order).context["manuscripts"]]

    assert manuscripts() == ["manuscrit.pdf", "second.pdf"]
    services.order_delete_file(order=order, stored_file=extra, by=client_user)
    assert manuscripts() == ["manuscrit.pdf"]  # the history still names it


def test_the_corrector_note_shows_at_once(client, corrector, working_order):
    """Written with a bare UPDATE: the service drops the cached reads itself."""
    client.force_login(corrector)
    detail(client, working_order)
    services.order_set_corrector_note(order=working_order, by=corrector, note="Chapitre 3 à revoir ✍️")
    assert "Chapitre 3 à revoir ✍️" in detail(client, working_order).content.decode()


def test_a_replaced_corrector_gets_a_404_at_once(client, corrector, staff, working_order):
    client.force_login(corrector)
    assert detail(client, working_order).status_code == 200
    services.order_assign_corrector(order=working_order, corrector=CorrectorFactory(), by=staff)
    assert detail(client, working_order).status_code == 404


def test_what_one_viewer_sees_is_not_served_to_another(client, client_user, corrector, working_order):
    services.order_add_deliverable(order=working_order, uploaded_file=demo_pdf("corrige.pdf"), by=corrector)
    client.force_login(corrector)
    assert "corrige.pdf" in page_text(detail(client, working_order))
    client.force_login(client_user)
    assert "corrige.pdf" not in page_text(detail(client, working_order))
    client.force_login(UserFactory())
    assert detail(client, working_order).status_code == 404
