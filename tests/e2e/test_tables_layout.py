"""Tables on a phone (390×844), a tablet (768×1024) and a laptop (1366×768).

The client dashboard, /billing/, the staff board and the corrector queue, each
with data: nothing is wider than the screen and no table hides a column in a
sideways scroll; on a phone or a tablet each row is a card where every cell shows its
column's label (a translated `data-label`, the same words as the header); at
1366 px the staff board's corrector-load table shows its last column ("En
retard") whole, and the admin payments list shows all its columns.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from billing import simulator
from billing.models import PaymentMethod
from billing.payments import payment_refund, payment_start_checkout
from orders import services
from orders.models import Order

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 768, "height": 1024}
LAPTOP = {"width": 1366, "height": 768}
CARDS_BELOW = 960  # px: phones and tablets get a card per row

# Every table of <main>: does its box scroll sideways (a hidden column), is it
# inside the screen, and for each body cell: its header, its data-label, the
# label the card shows (::before) and whether the cell is on screen.
MEASURE = """() => {
  const width = window.innerWidth;
  const tables = [...document.querySelectorAll("main#contenu table")].map((table) => {
    const wrap = table.closest(".table-wrap");
    const heads = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    const cells = [];
    for (const row of table.querySelectorAll("tbody tr")) {
      [...row.children].forEach((td, index) => {
        if (td.colSpan > 1) return;  // an "empty" line, not a field
        const r = td.getBoundingClientRect();
        const before = getComputedStyle(td, "::before");
        const content = before.content || "none";
        const label = content === "none" || content === "normal" || before.display === "none" ? ""
          : content === "attr(data-label)" ? td.dataset.label : content.replace(/^"|"$/g, "");
        cells.push({header: heads[index] || "", dataLabel: td.dataset.label || "", shown: label,
                    left: r.left, right: r.right, width: r.width});
      });
    }
    const box = (wrap || table).getBoundingClientRect();
    return {heads, cells, scrolls: wrap ? wrap.scrollWidth > wrap.clientWidth + 1 : false,
            left: box.left, right: box.right,
            wrapFocusable: wrap ? wrap.tabIndex >= 0 && wrap.getAttribute("role") === "region"
              && !!(wrap.getAttribute("aria-label")
                    || document.getElementById(wrap.getAttribute("aria-labelledby") || "-")?.textContent.trim()) : null,
            headsNamed: [...table.querySelectorAll("thead th")].every((th) => th.textContent.trim() !== "")};
  });
  return {width, scrollWidth: document.documentElement.scrollWidth, tables};
}"""


@pytest.fixture
def tables_data(make_order, client_user, corrector, staff):
    """A paid order at work and overdue, one awaiting payment, a saved card,
    an invoice and a credit note: a row in every table of the four pages."""
    order = make_order(title="Les Misérables, tome premier : Fantine")
    payment_start_checkout(order=order, success_url="http://x/ok", cancel_url="http://x/ko")
    payment = order.payments.get()
    simulator.deliver(simulator.card_accepted_event(payment))
    payment.refresh_from_db()
    order.refresh_from_db()
    order = services.order_assign_corrector(order=order, corrector=corrector, by=staff)
    order = services.order_start(order=order, by=corrector)
    payment_refund(payment=payment, amount=1000, by=staff, reason="Geste commercial")
    Order.objects.filter(pk=order.pk).update(due_date=timezone.localdate() - timedelta(days=3))
    make_order(title="Vingt mille lieues sous les mers")
    PaymentMethod.objects.create(user=client_user, stripe_payment_method_id="pm_tables", brand="visa",
                                 last4="4242", exp_month=4, exp_year=2031, is_default=True)
    return order


def check_tables(page, viewport, name, screenshot, *, expected_tables):
    screenshot(page, f"tables-{name}-{viewport['width']}")
    seen = page.evaluate(MEASURE)
    where = f"{name} at {viewport['width']} px"
    assert seen["scrollWidth"] <= seen["width"], f"{where}: the page scrolls sideways ({seen['scrollWidth']} px)"
    assert len(seen["tables"]) == expected_tables, f"{where}: {len(seen['tables'])} tables"
    for number, table in enumerate(seen["tables"], 1):
        what = f"{where}, table {number} {table['heads']}"
        assert table["cells"], f"{what}: no data"
        assert table["headsNamed"], f"{what}: a header has no name"
        assert table["wrapFocusable"], f"{what}: its box is not a named, focusable region"
        assert not table["scrolls"], f"{what}: columns hidden in a sideways scroll"
        assert table["left"] >= 0 and table["right"] <= seen["width"], f"{what}: outside the screen"
        for cell in table["cells"]:
            # The label is the header's words, from the template (translated), not CSS text.
            assert cell["dataLabel"] == cell["header"], f"{what}: {cell}"
            assert cell["left"] >= 0 and cell["right"] <= seen["width"] and cell["width"] > 0, f"{what}: {cell}"
            if viewport["width"] < CARDS_BELOW:
                assert cell["shown"] == cell["header"], f"{what}: the card hides a label: {cell}"
            else:
                assert cell["shown"] == "", f"{what}: a label inside the table: {cell}"
    bars = page.evaluate("() => [...document.querySelectorAll('main#contenu table progress')]"
                         ".map((bar) => bar.getBoundingClientRect().width)")
    # In a card the cell's grid shrinks its content: a bar of width 100 % would be drawn 0 px wide.
    assert all(width >= 60 for width in bars), f"{where}: a progress bar is squeezed: {bars}"
    return seen | {"bars": bars}


@pytest.mark.parametrize("viewport", [PHONE, TABLET, LAPTOP], ids=["phone", "tablet", "laptop"])
def test_tables_show_every_column_or_become_cards(
    viewport, new_page, live_server, log_in, screenshot, tables_data, client_user, corrector, staff
):
    client_page = new_page()
    client_page.set_viewport_size(viewport)
    log_in(client_page, client_user.email)
    client_page.goto(f"{live_server.url}{reverse('orders:client_dashboard')}")
    assert check_tables(client_page, viewport, "dashboard", screenshot, expected_tables=1)["bars"]
    client_page.goto(f"{live_server.url}{reverse('billing:home')}")
    check_tables(client_page, viewport, "billing", screenshot, expected_tables=3)

    corrector_page = new_page()
    corrector_page.set_viewport_size(viewport)
    log_in(corrector_page, corrector.email)
    corrector_page.goto(f"{live_server.url}{reverse('orders:corrector_queue')}")
    check_tables(corrector_page, viewport, "corrector-queue", screenshot, expected_tables=1)

    staff_page = new_page()
    staff_page.set_viewport_size(viewport)
    log_in(staff_page, staff.email)
    staff_page.goto(f"{live_server.url}{reverse('orders:staff_board')}")
    seen = check_tables(staff_page, viewport, "staff-board", screenshot, expected_tables=2)
    if viewport is LAPTOP:
        load = seen["tables"][1]
        assert load["heads"][-2:] == ["En retard", "Avis clients"]
        assert load["cells"][-1]["right"] <= load["right"] <= viewport["width"], load["cells"][-1]

        # The admin payments list: every column inside the screen.
        staff_page.goto(f"{live_server.url}{reverse('admin:billing_payment_changelist')}")
        screenshot(staff_page, "tables-admin-payments-1366")
        # Each header inside the screen and inside the list's own scroll box (.results).
        columns = staff_page.evaluate("""() => {
            const box = document.querySelector("#changelist .results").getBoundingClientRect();
            return [...document.querySelectorAll("#result_list thead th")].map((th) => {
              const r = th.getBoundingClientRect();
              return {name: th.textContent.trim(), left: r.left, right: r.right, width: r.width,
                      boxLeft: box.left, boxRight: Math.min(box.right, innerWidth)}; }); }""")
        assert len(columns) >= 6, columns
        for column in columns:
            assert column["boxLeft"] <= column["left"] and column["right"] <= column["boxRight"] + 1, \
                f"admin payments: a column is cut: {column}"
        assert staff_page.evaluate("document.documentElement.scrollWidth <= innerWidth")
