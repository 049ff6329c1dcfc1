"""The admin dashboard (issue 11): figures checked against hand-computed
data, the empty database, the charts' SVG, a bounded query count, staff only,
and `manage.py stats`."""

import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import AdminFactory, CorrectorFactory, UserFactory
from billing.models import CreditNote, Invoice
from billing.tests.factories import PaidOrderFactory
from core.dashboard import dashboard
from messaging.services import conversation_start_direct, message_send
from orders.models import Order
from support.dashboard import most_active_clients
from support.models import Ticket
from support.tests.factories import open_ticket

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
# Mid-November 2026, Paris time: "this month" is November, "this year" 2026.
NOW = timezone.make_aware(datetime(2026, 11, 15, 12, 0))


def paris(*args):
    return timezone.make_aware(datetime(*args))


def figures(now=NOW):
    return {str(f.label): f for section in dashboard(now) for f in section.figures}


def values(found, labels):
    return {label: found[label].value for label in labels}


def chart(title, now=NOW):
    return next(c for section in dashboard(now) for c in section.charts if str(c.title) == title)


def invoice(*, ht, ttc, paid_at, number):
    return Invoice.objects.create(
        order=PaidOrderFactory(), number=number, status=Invoice.Status.PAID if paid_at else Invoice.Status.SENT,
        amount_ht=ht, vat_amount=ttc - ht, amount_ttc=ttc, vat_rate="20.00", seller={}, buyer={}, lines=[],
        issued_at=paid_at or NOW, due_at=paid_at or NOW, paid_at=paid_at,
    )


def credit_note(invoice, *, ht, ttc, issued_at, number):
    return CreditNote.objects.create(
        invoice=invoice, number=number, amount_ht=ht, vat_amount=ttc - ht, amount_ttc=ttc, vat_rate="20.00",
        seller={}, buyer={}, issued_at=issued_at,
    )


def test_revenue_counts_invoices_by_payment_date_and_refunds_by_credit_note():
    november = invoice(ht=10000, ttc=12000, paid_at=paris(2026, 11, 2, 10), number="F-1")
    invoice(ht=5000, ttc=6000, paid_at=paris(2026, 3, 10, 9), number="F-2")
    invoice(ht=20000, ttc=24000, paid_at=paris(2025, 12, 20, 9), number="F-3")
    # 23:30 in Paris on 31 October is 22:30 UTC: October, not November.
    invoice(ht=1000, ttc=1200, paid_at=paris(2026, 10, 31, 23, 30), number="F-4")
    invoice(ht=99999, ttc=99999, paid_at=None, number="F-5")  # not paid: no revenue
    credit_note(november, ht=2500, ttc=3000, issued_at=paris(2026, 11, 5, 9), number="A-1")

    found = figures()
    expected = {
        "Encaissé TTC ce mois-ci": 12000, "Encaissé HT ce mois-ci": 10000, "Remboursé TTC ce mois-ci (avoirs)": 3000,
        "Net HT ce mois-ci": 7500, "Encaissé TTC cette année": 19200, "Encaissé HT cette année": 16000,
        "Net HT cette année": 13500,
    }
    assert values(found, expected) == expected
    assert found["Encaissé TTC ce mois-ci"].display == "120,00\u00a0€"
    assert "/admin/billing/invoice/?paid_at__gte=2026-11-01T00%3A00%3A00%2B01%3A00" == found[
        "Encaissé TTC ce mois-ci"].url

    revenue = chart("Chiffre d'affaires TTC par mois")
    assert revenue.labels[0] == "déc. 2025" and revenue.labels[-1] == "nov. 2026"
    cashed, refunded = (s.values for s in revenue.series)
    assert cashed == [24000, 0, 0, 6000, 0, 0, 0, 0, 0, 0, 1200, 12000]
    assert refunded == [0] * 11 + [3000]


def test_order_figures_overdue_awaiting_average_and_conversion():
    today = timezone.localdate()
    corrector = CorrectorFactory()
    PaidOrderFactory(due_date=today - timedelta(days=1), amount=10000)  # overdue, awaiting a corrector
    PaidOrderFactory(status=Order.Status.EN_COURS, corrector=corrector, due_date=today - timedelta(days=3),
                     amount=20000)  # overdue
    PaidOrderFactory(status=Order.Status.LIVREE, corrector=corrector, due_date=today - timedelta(days=3),
                     amount=30000)  # delivered: not overdue
    PaidOrderFactory(due_date=today + timedelta(days=3), corrector=corrector, amount=40000)  # assigned, not late
    PaidOrderFactory(payment_status=Order.PaymentStatus.FREE, amount=0)  # free: left out of the average
    PaidOrderFactory(status=Order.Status.EN_ATTENTE, payment_status=Order.PaymentStatus.PENDING, amount=None,
                     paid_at=None)

    found = figures(timezone.now())
    expected = {
        "Commandes en retard": 2, "En attente d'un correcteur": 2, "Panier moyen (commandes payées)": 25000,
        "Payée, en attente d'un correcteur": 3, "En cours de correction": 1, "Terminée": 0,
    }
    assert values(found, expected) == expected
    assert found["Payée, en attente d'un correcteur"].url == "/admin/orders/order/?status__exact=PAYEE"


def test_orders_per_month_are_stacked_by_status():
    def order_created(at, **fields):
        order = PaidOrderFactory(**fields)
        Order.objects.filter(pk=order.pk).update(created_at=at)

    order_created(paris(2026, 11, 3, 9))
    order_created(paris(2026, 11, 14, 9), status=Order.Status.TERMINE)
    order_created(paris(2026, 1, 1, 0, 30))  # 31 December 2025 23:30 UTC: January in Paris
    order_created(paris(2025, 11, 30, 9))  # thirteen months ago: out of the chart

    per_month = chart("Commandes par mois et par statut")
    assert per_month.stacked
    assert {str(s.name): s.values for s in per_month.series} == {
        "Payée, en attente d'un correcteur": [0, 1] + [0] * 9 + [1],
        "Terminée": [0] * 11 + [1],
    }


def test_conversion_rate_over_30_days_counts_recent_clients_who_ordered():
    now = timezone.now()
    recent = UserFactory.create_batch(4)
    PaidOrderFactory(client=recent[0])
    PaidOrderFactory(client=recent[0])  # two orders: still one client
    old_client = UserFactory()
    PaidOrderFactory(client=old_client)
    User.objects.filter(pk=old_client.pk).update(created_at=now - timedelta(days=40))
    CorrectorFactory()  # the team is not a conversion

    found = figures(now)
    assert found["Clients inscrits depuis 30 jours"].value == 4
    assert found["Taux de conversion sur 30 jours"].value == 25.0
    assert found["Taux de conversion sur 30 jours"].display == "25\u00a0%"


def test_user_figures():
    now = timezone.now()
    UserFactory.create_batch(2)
    UserFactory(is_active=False)
    old = UserFactory()
    User.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=62))
    CorrectorFactory()

    found = figures(now)
    assert found["Clients actifs"].value == 3
    assert found["Correcteurs actifs"].value == 1
    assert found["Inscrits actifs ce mois-ci"].value == 3  # the two clients and the corrector


def test_support_figures_and_weekly_chart():
    now = timezone.now()
    late = open_ticket()
    open_ticket()
    Ticket.objects.filter(pk=late.pk).update(sla_due_at=now - timedelta(hours=1))

    found = figures(now)
    assert found["Tickets non résolus"].value == 2
    assert found["Tickets hors délai (SLA dépassé)"].value == 1
    weekly = chart("Tickets ouverts et fermés par semaine", now)
    opened, closed = (s.values for s in weekly.series)
    assert len(opened) == 12 and opened[-1] == 2 and sum(opened) == 2
    assert sum(closed) == 0


def test_most_active_clients_counts_are_not_multiplied_by_joins():
    busy, quiet = UserFactory(last_name="Actif"), UserFactory(last_name="Calme")
    PaidOrderFactory.create_batch(2, client=busy)
    conversation = conversation_start_direct(client=busy, subject="Mon manuscrit")
    for n in range(3):
        message_send(conversation=conversation, sender=busy, content=f"Message {n}")
    open_ticket(requester=busy)  # its first message is the client's too
    PaidOrderFactory(client=quiet)
    UserFactory()  # nothing done: not listed

    top = most_active_clients()
    assert [(c.pk, c.order_count, c.message_count, c.ticket_count) for c in top] == [
        (busy.pk, 2, 4, 1), (quiet.pk, 1, 0, 0)]


def test_empty_database_has_no_division_by_zero_and_dashes():
    found = figures()
    assert found["Taux de conversion sur 30 jours"].display == "—"
    assert found["Panier moyen (commandes payées)"].display == "—"
    assert found["Première réponse, délai moyen (30 jours)"].display == "—"
    assert found["Premières réponses dans les délais (30 jours)"].display == "—"
    assert found["Encaissé TTC ce mois-ci"].value == 0


def _svg_root(html):
    start = html.index("<svg class=\"chart\"")
    return ET.fromstring(html[start:html.index("</svg>", start) + len("</svg>")])


def test_admin_index_shows_the_dashboard_with_valid_accessible_svg(client):
    invoice(ht=10000, ttc=12000, paid_at=timezone.now(), number="F-9")
    client.force_login(AdminFactory())
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tableau de bord" in html and "Chiffre d&#x27;affaires TTC par mois" in html
    assert 'href="/admin/orders/order/?status__exact=PAYEE"' in html
    assert html.count('<svg class="chart"') == 3
    root = _svg_root(html)  # well-formed XML
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id and root.find(f"{SVG}desc").get("id") == desc_id
    # The app list stays below.
    assert 'id="app-list"' in html or "app-orders" in html


@pytest.mark.parametrize("rows", [1, 50])
def test_admin_index_query_count_does_not_grow_with_rows(client, rows, django_assert_max_num_queries):
    client.force_login(AdminFactory())
    for n in range(rows):
        order = PaidOrderFactory()
        Invoice.objects.create(
            order=order, number=f"F-Q{n}", status=Invoice.Status.PAID, amount_ht=100, vat_amount=20,
            amount_ttc=120, vat_rate="20.00", seller={}, buyer={}, lines=[], issued_at=NOW, due_at=NOW,
            paid_at=timezone.now())
        open_ticket(requester=order.client)
    # Computed (nothing cached yet); the most active clients are 6 indexed grouped
    # queries, no longer one with 3 correlated subqueries per client.
    with django_assert_max_num_queries(26):
        assert client.get(reverse("admin:index")).status_code == 200


def test_admin_index_query_count_is_the_same_with_1_and_50_rows(client):
    client.force_login(AdminFactory())

    def count():
        cache.clear()  # the figures computed, not read from the cache (test_dashboard_cache)
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("admin:index"))
        return len(queries)

    PaidOrderFactory()
    one = count()
    PaidOrderFactory.create_batch(49)
    assert count() == one


def test_dashboard_is_for_staff_only(client):
    url = reverse("admin:index")
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    # Django sends them to the admin's login, which refuses a logged-in non-staff user.
    for outsider in (CorrectorFactory(), UserFactory()):
        client.force_login(outsider)
        response = client.get(url, follow=True)
        assert response.status_code == 403
        assert b"Tableau de bord" not in response.content


def test_stats_command_prints_the_figures_in_french():
    invoice(ht=10000, ttc=12000, paid_at=timezone.now(), number="F-7")
    out = StringIO()
    call_command("stats", stdout=out)
    text = out.getvalue()
    assert "Chiffre d'affaires" in text
    assert "Encaissé TTC ce mois-ci" in text and "120,00\u00a0€" in text
    assert "Taux de conversion sur 30 jours" in text


def test_stats_command_json():
    invoice(ht=10000, ttc=12000, paid_at=timezone.now(), number="F-8")
    out = StringIO()
    call_command("stats", "--json", stdout=out)
    data = json.loads(out.getvalue())
    sections = {s["title"]: s for s in data["sections"]}
    money = {f["label"]: f for f in sections["Chiffre d'affaires"]["figures"]}
    assert money["Encaissé TTC ce mois-ci"] == {
        "label": "Encaissé TTC ce mois-ci", "value": 12000, "unit": "euros", "display": "120,00\u00a0€"}
    assert sections["Chiffre d'affaires"]["charts"][0]["series"][0]["values"][-1] == 12000
    assert {"Utilisateurs", "Commandes", "Support", "Clients les plus actifs"} <= set(sections)


def test_every_figure_links_to_a_changelist_the_admin_accepts(client):
    busy = UserFactory()
    PaidOrderFactory(client=busy)
    open_ticket(requester=busy)
    PaidOrderFactory(due_date=timezone.localdate() - timedelta(days=2))  # overdue
    Ticket.objects.filter(requester=busy).update(sla_due_at=timezone.now() - timedelta(minutes=5))
    client.force_login(AdminFactory())
    sections = dashboard(timezone.now())
    urls = {cell.url for section in sections for t in section.tables for row in t.rows for cell in row if cell.url}
    for figure in (f for section in sections for f in section.figures if f.url):
        response = client.get(figure.url)
        # A lookup the admin refuses redirects to "?e=1".
        assert response.status_code == 200, figure.url
        if figure.unit == "count":  # the list shows exactly the rows counted
            assert response.context["cl"].result_count == figure.value, figure.label
    for url in urls:
        assert client.get(url).status_code == 200, url
