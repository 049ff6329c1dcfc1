"""The long order lists by keyset pages (core.pagination): the corrector's
queue and the staff board. No row lost or repeated across pages, ties and
NULLs included; the same queries whatever the list's length (issue 13)."""

import itertools
import re
from datetime import timedelta

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import AdminFactory, CorrectorFactory, UserFactory
from core.pagination import keyset_page
from orders import selectors
from orders.models import Order

pytestmark = pytest.mark.django_db
S = Order.Status
PRIORITIES = [Order.Priority.URGENTE, Order.Priority.NORMALE, Order.Priority.FAIBLE, Order.Priority.HAUTE]


def add_orders(n, *, client, service, **fields):
    """`n` orders in a few statements; priorities and due dates repeat, so many
    orders tie on the sort key."""
    today = timezone.localdate()
    Order.objects.bulk_create(
        Order(client=client, service=service, title=f"Livre {i:04d}", estimated_price=100, final_price=100,
              priority=PRIORITIES[i % 4], due_date=today + timedelta(days=i % 3), **fields)
        for i in range(n)
    )


def walk(queryset, ordering, *, per_page, backward=False):
    """Every page's rows, following the links as a browser would."""
    page = keyset_page(queryset, ordering=ordering, query=QueryDict(), per_page=per_page)
    pages = [list(page)]
    while page.has_next():
        page = keyset_page(queryset, ordering=ordering, query=QueryDict(page.next_url[1:]), per_page=per_page)
        pages.append(list(page))
    if not backward:
        return pages
    back = [list(page)]
    while page.has_previous():
        page = keyset_page(queryset, ordering=ordering, query=QueryDict(page.previous_url[1:]), per_page=per_page)
        back.append(list(page))
    return back[::-1]


def in_order(first, second, ordering):
    """`first` comes before `second` (or ties) on `ordering`: NULL first going up, last going down."""
    for item in ordering:
        a, b = getattr(first, item.lstrip("-")), getattr(second, item.lstrip("-"))
        if a == b:
            continue
        smaller = a is None or (b is not None and a < b)
        return smaller != item.startswith("-")
    return True


@pytest.mark.parametrize("ordering", [
    ("created_at", "pk"),
    ("-created_at", "-pk"),
    ("due_date", "priority_rank", "created_at", "pk"),
    ("-due_date", "pk"),
    ("due_date", "-pk"),
])
@pytest.mark.parametrize("backward", [False, True])
def test_pages_hold_every_row_once_in_order_ties_and_nulls_included(client_user, service, ordering, backward):
    add_orders(23, client=client_user, service=service)
    # Ties on the whole sort key but the pk, and NULL due dates.
    Order.objects.update(created_at=timezone.now())
    Order.objects.filter(title__in=["Livre 0003", "Livre 0010", "Livre 0011", "Livre 0020"]).update(due_date=None)
    queryset = Order.objects.annotate(priority_rank=selectors.PRIORITY_RANK)

    pages = walk(queryset, ordering, per_page=5, backward=backward)

    assert [len(page) for page in pages] == [5, 5, 5, 5, 3]
    rows = list(itertools.chain(*pages))
    assert sorted(order.pk for order in rows) == sorted(Order.objects.values_list("pk", flat=True))
    # Pages end to end are the list in one piece (the pk ties as the database orders it: MariaDB's UUID
    # type does not sort as Python does), and its other columns are in order, NULLs included.
    whole = keyset_page(queryset, ordering=ordering, query=QueryDict(), per_page=100)
    assert [order.pk for order in rows] == [order.pk for order in whole]
    assert all(in_order(a, b, ordering[:-1]) for a, b in itertools.pairwise(rows)), [o.title for o in rows]


def test_a_cursor_that_does_not_parse_shows_the_first_page(client_user, service):
    add_orders(3, client=client_user, service=service)
    queryset, ordering = Order.objects.all(), ("created_at", "pk")
    first = list(keyset_page(queryset, ordering=ordering, query=QueryDict(), per_page=2))
    # A number, junk, a value list of the wrong length, values of the wrong type, a dict.
    for token in ("2", "!!!", "WyJhIiwgWzFdXQ", "WyJhIiwgWyJ4IiwgInkiXV0", "WyJhIiwgeyJ4IjogMSwgInkiOiAyfV0"):
        page = keyset_page(queryset, ordering=ordering, query=QueryDict(f"page={token}"), per_page=2)
        assert list(page) == first and not page.has_previous()


def test_the_links_keep_the_other_parameters():
    page = keyset_page(Order.objects.none(), ordering=("created_at", "pk"), query=QueryDict("q=x"), per_page=2)
    assert not page.has_other_pages()
    with pytest.raises(ValueError):
        keyset_page(Order.objects.all(), ordering=("created_at",), query=QueryDict(), per_page=2)


# --- The corrector's queue ------------------------------------------------------

def queue(client):
    return client.get(reverse("orders:corrector_queue"))


def test_corrector_queue_by_pages_of_50_with_the_same_queries_for_50_and_500_orders(
    client, corrector, client_user, service, django_assert_num_queries, django_assert_max_num_queries
):
    add_orders(50, client=client_user, service=service, corrector=corrector, status=S.EN_COURS)
    client.force_login(corrector)
    with django_assert_max_num_queries(3) as few:  # the session (unless cached), the user, the page
        small = queue(client)
    add_orders(450, client=client_user, service=service, corrector=corrector, status=S.PAYEE)
    selectors.order_lists_changed()  # bulk_create sends no signal: two queues that read the orders
    with django_assert_num_queries(len(few.captured_queries)):
        big = queue(client)
    assert len(big.context["orders"]) == 50 and big.context["orders"].has_next()
    assert len(big.content) < 2 * len(small.content)  # one page, not the whole queue

    # Following "Suivants" shows the 500, each once, soonest due first.
    seen, page = [], big
    while True:
        seen += [order.pk for order in page.context["orders"]]
        if not page.context["orders"].has_next():
            break
        page = client.get(reverse("orders:corrector_queue") + page.context["orders"].next_url)
    assert len(seen) == len(set(seen)) == 500
    assert 'aria-label="Pagination"' in page.content.decode()


def test_corrector_queue_shows_only_the_correctors_own_orders(client, corrector, client_user, service):
    other = CorrectorFactory()
    add_orders(3, client=client_user, service=service, corrector=other, status=S.EN_COURS)
    add_orders(2, client=client_user, service=service, corrector=corrector, status=S.EN_COURS)
    client.force_login(corrector)
    assert len(queue(client).context["orders"]) == 2
    for intruder in (client_user, UserFactory()):
        client.force_login(intruder)
        assert queue(client).status_code == 403


# --- The staff board -----------------------------------------------------------

def board(client, query=""):
    return client.get(reverse("orders:staff_board") + query)


def test_staff_board_same_queries_for_a_backlog_of_50_and_500_and_one_list_of_correctors(
    client, staff, client_user, service, django_assert_num_queries, django_assert_max_num_queries
):
    correctors = CorrectorFactory.create_batch(6)
    add_orders(50, client=client_user, service=service, status=S.PAYEE)
    add_orders(5, client=client_user, service=service, status=S.EN_ATTENTE_VERIFICATION, declared_pages=20)
    client.force_login(staff)
    # The session (unless cached), the user, per list its page and the page's clients (the overdue one
    # also its keys per status), the correctors and their loads.
    with django_assert_max_num_queries(12) as few:
        small = board(client)
    add_orders(450, client=client_user, service=service, status=S.PAYEE)
    selectors.order_lists_changed()  # bulk_create sends no signal: two boards that read the orders
    with django_assert_num_queries(len(few.captured_queries)):
        big = board(client)
    html = big.content.decode()
    assert len(big.context["to_assign"]) == 25 and big.context["to_assign"].has_next()
    assert len(big.content) < 1.2 * len(small.content)
    # Each corrector's name in the choices once for the page, whatever the number of orders.
    assert html.count("<option") == len(correctors)
    assert html.count('data-choices="corrector-choices"') == 25
    # The assignment forms post the chosen corrector to the order's action, as before.
    first = big.context["to_assign"].object_list[0]
    assert f'action="{reverse("orders:action", args=[first.pk, "assign"])}"' in html


def test_correctors_loads_count_the_orders_in_hand_and_read_only_those(client, staff, client_user, service):
    """"Charge des correcteurs": in hand, next due date and overdue per
    corrector; the orders they finished long ago are not read (issue 13: the
    join counted every order ever assigned, 0.7 s at 200 000 orders)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    busy, idle = CorrectorFactory(last_name="Zola"), CorrectorFactory(last_name="Aragon")
    today = timezone.localdate()
    add_orders(3, client=client_user, service=service, status=S.EN_COURS, corrector=busy)  # due today .. +2
    Order.objects.filter(corrector=busy).order_by("pk").filter(
        pk=Order.objects.filter(corrector=busy).order_by("pk").first().pk).update(due_date=today - timedelta(days=2))
    add_orders(2, client=client_user, service=service, status=S.LIVREE, corrector=busy)
    add_orders(40, client=client_user, service=service, status=S.TERMINE, corrector=idle)
    with CaptureQueriesContext(connection) as queries:
        loads = selectors.corrector_loads()
    assert [(c.last_name, c.load, c.overdue) for c in loads] == [("Aragon", 0, 0), ("Zola", 5, 1)]
    assert loads[1].next_due == today - timedelta(days=2) and loads[0].next_due is None
    assert len(queries) == 2
    figures = queries.captured_queries[1]["sql"]
    assert "TERMINE" not in figures and "'EN_COURS'" in figures.replace('"', "'")


def test_correctors_loads_are_cached_until_an_order_is_written(client_user, service):
    from orders import services

    corrector = CorrectorFactory()
    add_orders(2, client=client_user, service=service, status=S.EN_COURS, corrector=corrector)
    assert [c.load for c in selectors.corrector_loads()] == [2]
    add_orders(1, client=client_user, service=service, status=S.EN_COURS, corrector=corrector)  # no signal
    assert [c.load for c in selectors.corrector_loads()] == [2]  # from the cache
    unassigned = Order.objects.create(client=client_user, service=service, title="Nouveau", status=S.PAYEE,
                                      estimated_price=100, final_price=100, due_date=timezone.localdate())
    services.order_assign_corrector(order=unassigned, corrector=corrector, by=AdminFactory())
    assert [c.load for c in selectors.corrector_loads()] == [4]  # a saved order: recomputed
    newcomer = CorrectorFactory(last_name="Zweig")
    assert [(c.pk, c.load) for c in selectors.corrector_loads()] == [(newcomer.pk, 0), (corrector.pk, 4)]


def test_the_overdue_list_read_per_status_keeps_the_order_across_pages(client_user, service):
    today = timezone.localdate()
    for i in range(30):
        Order.objects.create(client=client_user, service=service, title=f"Retard {i}", estimated_price=100,
                             final_price=100, status=(S.PAYEE, S.EN_COURS)[i % 2],
                             due_date=today - timedelta(days=1 + i % 4))
    Order.objects.create(client=client_user, service=service, title="Livrée", estimated_price=100,
                         final_price=100, status=S.LIVREE, due_date=today - timedelta(days=9))
    expected = list(selectors.overdue_orders().order_by(*selectors.OVERDUE_ORDER))
    assert len(expected) == 30
    pages = []
    query = QueryDict(mutable=True)
    while True:
        page = keyset_page(selectors.overdue_orders(), ordering=selectors.OVERDUE_ORDER, query=query, per_page=7,
                           partitions=selectors.OVERDUE_PARTITIONS)
        pages.append(list(page))
        if not page.has_next():
            break
        query = QueryDict(page.next_url.lstrip("?"), mutable=True)
    assert [o.pk for rows in pages for o in rows] == [o.pk for o in expected]
    back = keyset_page(selectors.overdue_orders(), ordering=selectors.OVERDUE_ORDER,
                       query=QueryDict(page.previous_url.lstrip("?")), per_page=7,
                       partitions=selectors.OVERDUE_PARTITIONS)
    assert list(back) == pages[-2]


def test_staff_board_lists_page_on_their_own(client, staff, client_user, service):
    add_orders(30, client=client_user, service=service, status=S.PAYEE)
    add_orders(30, client=client_user, service=service, status=S.EN_ATTENTE_VERIFICATION, declared_pages=20)
    client.force_login(staff)
    first = board(client)
    next_url = first.context["to_assign"].next_url
    assert next_url.endswith("#a-affecter")
    second = board(client, next_url.split("#")[0])
    # The backlog moved on; the other list stayed on its first page.
    assert len(second.context["to_assign"]) == 5
    assert not {o.pk for o in second.context["to_assign"]} & {o.pk for o in first.context["to_assign"]}
    assert [o.pk for o in second.context["to_verify"]] == [o.pk for o in first.context["to_verify"]]
    links = re.findall(r'href="(\?[^"]+)"', second.content.decode())
    assert any("a-affecter=" in link and "Précédents" for link in links)


def test_staff_board_stays_staff_only(client, client_user, corrector):
    for user in (client_user, corrector):
        client.force_login(user)
        assert board(client, "?a-affecter=x").status_code == 403


# --- The client's "Mes projets" --------------------------------------------------

def test_client_projects_pages_count_from_the_status_counts(client, client_user, service, django_assert_max_num_queries):
    add_orders(12, client=client_user, service=service, status=S.EN_COURS)
    add_orders(3, client=client_user, service=service, status=S.TERMINE)
    client.force_login(client_user)
    url = reverse("orders:client_dashboard")
    with django_assert_max_num_queries(4) as queries:  # the session (unless cached), the user, the counts, the page
        everything = client.get(url)
    assert not any("COUNT(*)" in query["sql"] for query in queries.captured_queries)
    assert everything.context["page"].paginator.num_pages == 2
    active = client.get(url, {"status": "active", "page": 2})
    assert active.context["page"].paginator.count == 12 and len(active.context["page"]) == 2
    # A title search is not in the status counts: the paginator counts it.
    found = client.get(url, {"q": "Livre 000"})
    assert found.context["page"].paginator.count == 13  # Livre 0000…0009 in hand, 0000…0002 done
