"""The back office for keyboards, fingers and screen readers (issue 9).

templates/admin/base_site.html loads static/css/admin-overrides.css and
static/js/admin-overrides.js on every admin page: filter links, breadcrumbs and
pagination are targets of at least 24 × 24 px, links are underlined (not told
apart by colour only), the corrector is a plain labelled <select>, and an
autocomplete's combobox is named by its field's label. At 1366 × 768 and 390 × 844.
"""

import re

import pytest

from core.testing import visible_text  # noqa: F401 — shared helpers live there

VIEWPORTS = [{"width": 1366, "height": 768}, {"width": 390, "height": 844}]
MIN_TARGET = 24

def small_targets(page, selector):
    """The links of `selector` smaller than 24 × 24 px (WCAG 2.2, 2.5.8)."""
    return page.eval_on_selector_all(selector, """(links, min) => links
        .filter(a => a.getClientRects().length)
        .map(a => { const r = a.getBoundingClientRect();
                    return {text: a.textContent.trim(), w: Math.round(r.width), h: Math.round(r.height)}; })
        .filter(box => box.w < min || box.h < min)""", MIN_TARGET)

def not_underlined(page, selector):
    return page.eval_on_selector_all(selector, """links => links
        .filter(a => a.getClientRects().length)
        .filter(a => !getComputedStyle(a).textDecorationLine.includes('underline'))
        .map(a => a.textContent.trim())""")

def stylesheet_loaded(page):
    return page.evaluate("""() => [...document.styleSheets].some(s => (s.href || '').endsWith('/css/admin-overrides.css'))""")

@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["1366", "390"])
def test_admin_targets_and_links(viewport, page, live_server, log_in, staff, paid_order, screenshot):
    page.set_viewport_size(viewport)
    log_in(page, staff.email)
    page.goto(f"{live_server.url}/admin/orders/order/")
    assert stylesheet_loaded(page)
    assert page.locator("#changelist-filter a").count() > 5
    assert small_targets(page, "#changelist-filter a, .breadcrumbs a, .paginator a") == []
    assert not_underlined(page, ".breadcrumbs a, #changelist-filter a, #result_list td a, #result_list th a") == []
    screenshot(page, f"admin-orders-changelist-{viewport['width']}")

    page.goto(f"{live_server.url}/admin/orders/order/{paid_order.pk}/change/")
    assert small_targets(page, ".breadcrumbs a") == []
    assert not_underlined(page, ".breadcrumbs a, #content .readonly a, #content .help a") == []
    screenshot(page, f"admin-order-change-{viewport['width']}")

@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["1366", "390"])
def test_the_corrector_is_a_plain_labelled_select(viewport, page, live_server, log_in, staff, paid_order, corrector):
    page.set_viewport_size(viewport)
    log_in(page, staff.email)
    page.goto(f"{live_server.url}/admin/orders/order/{paid_order.pk}/change/")
    field = page.get_by_label(re.compile("^Correcteur"))
    assert field.evaluate("e => e.tagName") == "SELECT"
    assert "admin-autocomplete" not in (field.get_attribute("class") or "")
    assert page.locator(".field-corrector .select2-container").count() == 0
    options = field.locator("option").all_inner_texts()
    assert any(corrector.email in option or corrector.last_name in option for option in options)
    assert not any(paid_order.client.email in option for option in options)  # correctors only
    field.select_option(value=str(corrector.pk))
    page.get_by_role("button", name=re.compile("^Enregistrer$")).click()
    page.wait_for_load_state()
    paid_order.refresh_from_db()
    assert paid_order.corrector_id == corrector.pk

@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["1366", "390"])
def test_an_empty_autocomplete_has_its_fields_name(viewport, page, live_server, log_in, staff, screenshot):
    page.set_viewport_size(viewport)
    log_in(page, staff.email)
    page.goto(f"{live_server.url}/admin/orders/order/add/")
    page.wait_for_load_state("load")
    combobox = page.locator(".field-client .select2-selection[role=combobox]")
    combobox.wait_for()
    page.wait_for_function(
        "() => document.querySelector('.field-client .select2-selection').getAttribute('aria-labelledby')"
        ".split(' ').length > 1")
    assert page.get_by_role("combobox", name=re.compile("^Client")).count() == 1
    screenshot(page, f"admin-order-add-{viewport['width']}")
