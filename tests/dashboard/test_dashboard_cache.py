"""The admin dashboard's figures are computed at most once per
ADMIN_DASHBOARD_CACHE_SECONDS (core.dashboard.cached_dashboard): a view
then costs no aggregate query, the page says when they were computed, and
"Recalculer maintenant" computes them at once."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import AdminFactory, UserFactory
from billing.tests.factories import PaidOrderFactory
from core import dashboard as core_dashboard
from core.dashboard import cached_dashboard
from core.testing import visible_text
from orders.models import Order
from support.dashboard import most_active_clients

pytestmark = pytest.mark.django_db

URL = reverse("admin:index")
PAID = str(Order.Status.PAYEE.label)  # its figure counts the paid orders


def paid_figure(sections):
    return next(f.value for s in sections for f in s.figures if str(f.label) == PAID)


def view(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


@pytest.fixture
def staff(client):
    client.force_login(AdminFactory())
    return client


def test_a_second_view_reads_the_figures_from_the_cache_whatever_the_rows(staff, settings):
    settings.ADMIN_DASHBOARD_CACHE_SECONDS = 60
    PaidOrderFactory.create_batch(3)
    _, computed = view(staff)
    _, cached_3 = view(staff)
    cache.clear()
    PaidOrderFactory.create_batch(27)
    view(staff)
    _, cached_30 = view(staff)
    assert cached_3 == cached_30 < computed
    assert cached_30 <= 5  # the session and the user: no aggregate at all


def test_the_page_says_when_the_figures_were_computed_and_they_stay_until_the_delay(staff, settings):
    settings.ADMIN_DASHBOARD_CACHE_SECONDS = 60
    PaidOrderFactory()
    first = cached_dashboard()
    PaidOrderFactory()  # not counted until the figures are recomputed
    html, _ = view(staff)
    at = timezone.localtime(first.computed_at)
    text = visible_text(html)
    assert f"Chiffres calculés le {at:%d/%m/%Y} à {at:%H:%M:%S} (heure de Paris)" in text
    assert "recalculés au plus toutes les 60 secondes" in text
    assert paid_figure(cached_dashboard().sections) == 1
    later = first.computed_at + timedelta(seconds=61)
    again = cached_dashboard(now=later)
    assert again.computed_at == later and paid_figure(again.sections) == 2


def test_stale_figures_are_shown_while_another_request_recomputes_them(settings, django_assert_num_queries):
    settings.ADMIN_DASHBOARD_CACHE_SECONDS = 60
    PaidOrderFactory()
    first = cached_dashboard()
    later = first.computed_at + timedelta(seconds=61)
    cache.add(f"{core_dashboard._cache_key()}:lock", 1)  # another request is computing them
    with django_assert_num_queries(0):
        assert cached_dashboard(now=later).computed_at == first.computed_at
    cache.delete(f"{core_dashboard._cache_key()}:lock")
    assert cached_dashboard(now=later).computed_at == later
    assert cache.get(f"{core_dashboard._cache_key()}:lock") is None  # released


def test_recalculer_computes_the_figures_now(staff, settings):
    settings.ADMIN_DASHBOARD_CACHE_SECONDS = 3600
    PaidOrderFactory()
    html, _ = view(staff)
    assert 'action="/admin/tableau-de-bord/recalculer/"' in html and "Recalculer maintenant" in visible_text(html)
    PaidOrderFactory()
    assert paid_figure(cached_dashboard().sections) == 1
    response = staff.post(reverse("admin:dashboard_refresh"))
    assert response.status_code == 302 and response["Location"] == URL
    assert paid_figure(cached_dashboard().sections) == 2
    assert staff.get(reverse("admin:dashboard_refresh")).status_code == 405


def test_recalculer_is_for_staff_only(client):
    client.force_login(UserFactory())
    response = client.post(reverse("admin:dashboard_refresh"))
    assert response.status_code in (302, 403)
    assert cache.get(core_dashboard._cache_key()) is None


def test_the_most_active_clients_cost_the_same_queries_with_3_and_30_clients_and_no_correlated_subquery():
    def measure():
        with CaptureQueriesContext(connection) as queries:
            top = most_active_clients()
        assert not any(sql.upper().count("SELECT") > 1 for sql in (q["sql"] for q in queries))
        return top, len(queries)

    PaidOrderFactory.create_batch(3)
    top_3, with_3 = measure()
    PaidOrderFactory.create_batch(27)
    top_30, with_30 = measure()
    assert len(top_3) == 3 and len(top_30) == 10 and with_3 == with_30


def test_the_most_active_clients_ties_are_broken_by_name_and_staff_are_left_out():
    for name in ("Zola", "Balzac", "Hugo"):
        PaidOrderFactory(client=UserFactory(last_name=name))
    busy = UserFactory(last_name="Sand")
    PaidOrderFactory.create_batch(2, client=busy)
    PaidOrderFactory(client=AdminFactory())  # not a client
    top = most_active_clients(limit=3)
    assert [(c.last_name, c.order_count) for c in top] == [("Sand", 2), ("Balzac", 1), ("Hugo", 1)]
    assert Order.objects.count() == 6


def test_the_charts_are_drawn_once_per_computation_of_the_figures(staff, settings, monkeypatch):
    """The sections' markup (charts.dashboard_sections) is kept with the
    figures' version: drawn again only when the figures are computed again."""
    from core.templatetags import charts

    settings.ADMIN_DASHBOARD_CACHE_SECONDS = 60
    drawn = []
    monkeypatch.setattr(charts, "chart_svg", lambda chart, **kw: drawn.append(chart.title) or "<svg></svg>")
    PaidOrderFactory.create_batch(2)
    first, _ = view(staff)
    after_first = len(drawn)
    assert after_first > 0
    second, _ = view(staff)
    assert len(drawn) == after_first and second.count('class="kpi-value"') == first.count('class="kpi-value"')
    PaidOrderFactory.create_batch(3)
    staff.post(reverse("admin:dashboard_refresh"))
    third, _ = view(staff)
    assert len(drawn) == 2 * after_first  # new figures, drawn anew
    assert paid_figure(cached_dashboard().sections) == 5
    assert '<span class="kpi-value">5</span>' in third and '<span class="kpi-value">5</span>' not in second
