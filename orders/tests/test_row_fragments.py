"""The corrector queue and the staff board draw their rows from the per-row
cache (core.fragments) and the overdue list reads one index range per status
(issue 13): what a row shows changes at once, the forms post with this
request's CSRF token, and the overdue pages hold every order once, in order."""

import itertools
import re
from datetime import timedelta

import pytest
from django.db.models import Q
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from core.pagination import keyset_page
from orders import selectors
from orders.models import Order
from orders.templatetags.order_tags import status_badge

from .test_long_lists import add_orders

pytestmark = pytest.mark.django_db
S = Order.Status


def text(response):
    assert response.status_code == 200
    return response.content.decode()


def test_status_badge_markup(client_user, service):
    order = Order(client=client_user, service=service, status=S.EN_COURS)
    assert status_badge(order) == '<span class="badge badge--info">En cours de correction</span>\n'
    order.status = "<x>"  # never markup
    assert "<x>" not in status_badge(order)


def test_queue_rows_follow_the_orders_at_once(client, corrector, client_user, service):
    add_orders(3, client=client_user, service=service, corrector=corrector, status=S.EN_COURS)
    order = Order.objects.order_by("title").first()
    client.force_login(corrector)
    first = text(client.get(reverse("orders:corrector_queue")))
    assert "Livre 0000" in first and "En cours de correction" in first
    Order.objects.filter(pk=order.pk).update(title="Nouveau titre", status=S.PAYEE, due_date=timezone.localdate()
                                             - timedelta(days=1))
    client_user.first_name = "Renommée"
    client_user.save()
    html = text(client.get(reverse("orders:corrector_queue")))
    row = re.search(r"<tr class=\"is-overdue\">.*?</tr>", html, re.S).group(0)
    assert "Nouveau titre" in row and "Correcteur désigné" in row and "En retard" in row
    assert "Livre 0000" not in html and "Renommée" in html


def test_board_forms_post_with_this_requests_token(client, staff, client_user, service):
    add_orders(2, client=client_user, service=service, status=S.PAYEE)
    add_orders(2, client=client_user, service=service, status=S.EN_ATTENTE_VERIFICATION, declared_pages=20)
    client.force_login(staff)
    text(client.get(reverse("orders:staff_board")))  # caches the rows
    client.logout()
    client.force_login(staff)  # another session, another CSRF secret
    html = text(client.get(reverse("orders:staff_board")))
    assert "__staka_csrf_token__" not in html
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert len(tokens) >= 5 and all(len(token) == 64 for token in tokens)
    # The verification form still states the declared pages; a change shows at once.
    for order in Order.objects.filter(status=S.EN_ATTENTE_VERIFICATION):
        order.declared_pages = 33
        order.save()  # as the services do (a bare UPDATE shows within orders.selectors.ORDER_LISTS_SECONDS)
    assert html.count('value="20" required') == 2
    assert text(client.get(reverse("orders:staff_board"))).count('value="33" required') == 2


def test_overdue_pages_by_status_hold_every_order_once_in_order(client_user, service, corrector):
    today = timezone.localdate()
    add_orders(17, client=client_user, service=service, corrector=corrector, status=S.EN_COURS)
    add_orders(14, client=client_user, service=service, status=S.PAYEE)
    add_orders(5, client=client_user, service=service, status=S.LIVREE)  # delivered: never overdue
    for number, order in enumerate(Order.objects.order_by("title", "status")):
        Order.objects.filter(pk=order.pk).update(due_date=today - timedelta(days=1 + number % 4))
    partitions = [Q(status=status) for status in selectors.NOT_DELIVERED_YET]
    queryset, ordering = selectors.overdue_orders(), selectors.OVERDUE_ORDER

    def walk(**options):
        page = keyset_page(queryset, ordering=ordering, query=QueryDict(), per_page=4, **options)
        pages = [list(page)]
        while page.has_next():
            page = keyset_page(queryset, ordering=ordering, query=QueryDict(page.next_url[1:]), per_page=4,
                               **options)
            pages.append(list(page))
        back = [list(page)]
        while page.has_previous():
            page = keyset_page(queryset, ordering=ordering, query=QueryDict(page.previous_url[1:]), per_page=4,
                               **options)
            back.append(list(page))
        return pages, back[::-1]

    forward, backward = walk(partitions=partitions)
    plain, _ = walk()
    rows = [order.pk for order in itertools.chain(*forward)]
    assert rows == [order.pk for order in itertools.chain(*plain)] == [order.pk for order in queryset]
    assert [len(page) for page in forward] == [4] * 7 + [3]
    assert [[o.pk for o in page] for page in backward] == [[o.pk for o in page] for page in forward]
    # The clients come with the rows (prefetched once for the page).
    assert all(order.client.first_name for order in itertools.chain(*forward))


def test_client_projects_rows_follow_the_orders_at_once(client, client_user, service):
    add_orders(2, client=client_user, service=service, status=S.PAYEE)
    order = Order.objects.order_by("title").first()
    client.force_login(client_user)
    html = text(client.get(reverse("orders:client_dashboard")))
    assert "Livre 0000" in html and 'aria-valuenow="30"' in html
    order.status, order.final_price, order.title = S.EN_COURS, 0, "Titre revu"
    order.save()  # as the services do (a bare UPDATE shows within orders.selectors.CLIENT_ORDERS_SECONDS)
    html = text(client.get(reverse("orders:client_dashboard")))
    row = re.search(r"<tr>\s*<td data-label=\"Projet\"><a [^>]+>Titre revu</a>.*?</tr>", html, re.S).group(0)
    assert "En cours de correction" in row and 'aria-valuenow="50"' in row and "Offerte" in row


def test_a_client_row_without_a_service_starts_with_its_date(client, client_user):
    """Imported legacy orders may have no service: the row shows no dangling separator."""
    add_orders(1, client=client_user, service=None, status=S.PAYEE)
    client.force_login(client_user)
    html = text(client.get(reverse("orders:client_dashboard")))
    assert re.search(r'<span class="small muted">commandé le \d\d/\d\d/\d{4}</span>', html)
