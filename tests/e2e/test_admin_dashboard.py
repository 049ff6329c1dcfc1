"""The admin dashboard in a browser (issue 11): an admin sees the figures and
three SVG charts at 1366 and 390 px wide without horizontal scrolling, and a
figure leads to the filtered list behind it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from billing.tests.factories import PaidOrderFactory
from support.tests.factories import open_ticket

from .test_admin_a11y import VIEWPORTS, not_underlined, small_targets


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["1366", "390"])
def test_admin_reads_the_dashboard_and_follows_a_figure(viewport, page, live_server, log_in, staff, screenshot):
    late = PaidOrderFactory(title="Le Horla", due_date=timezone.localdate() - timedelta(days=2))
    PaidOrderFactory(title="Bel-Ami", due_date=timezone.localdate() + timedelta(days=9))
    open_ticket(requester=late.client)
    page.set_viewport_size(viewport)
    log_in(page, staff.email)
    page.goto(f"{live_server.url}/admin/")

    assert page.get_by_role("heading", name="Tableau de bord").is_visible()
    charts = page.locator("svg.chart[role=img]")
    assert charts.count() == 3
    for n in range(3):
        box = charts.nth(n).bounding_box()
        assert box["width"] > 300 and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert small_targets(page, ".kpi-card a, .chart-data summary") == []
    assert not_underlined(page, ".kpi-card a, .kpi-table a") == []
    screenshot(page, f"admin-dashboard-{viewport['width']}")

    page.get_by_role("link", name="1 Commandes en retard").click()
    page.wait_for_load_state()
    assert "/admin/orders/order/" in page.url
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1 and "Le Horla" in rows.first.inner_text()
