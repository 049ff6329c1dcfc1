"""Layout on a phone (390×844), a tablet (768×1024) and a laptop (1366×768): the content keeps its
side padding, nothing is wider than the screen, the phone and tablet header is one compact
line whose "Menu" button opens every link, and on the order form the price
comes before the submit button."""

import re

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 768, "height": 1024}
LAPTOP = {"width": 1366, "height": 768}
MIN_SIDE_PADDING = 12

# Every visible element of <main> outside a horizontal scroll box (tables scroll
# inside .table-wrap on purpose): how far from each screen edge, and the widest.
MEASURE = """() => {
  const width = window.innerWidth;
  const inScrollBox = (el) => {
    for (let node = el.parentElement; node && node !== document.body; node = node.parentElement) {
      const x = getComputedStyle(node).overflowX;
      if (x === "auto" || x === "scroll") return true;
    }
    return false;
  };
  const culprits = [];
  let left = Infinity, right = Infinity;
  for (const el of document.querySelectorAll("main#contenu *")) {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!r.width || !r.height || style.visibility === "hidden" || inScrollBox(el)) continue;
    if (style.position === "absolute" && style.clip !== "auto") continue;  // .visually-hidden
    left = Math.min(left, r.left);
    right = Math.min(right, width - r.right);
    if (r.left < 12 || width - r.right < 12) {
      culprits.push(`${el.tagName.toLowerCase()}.${el.className} [${Math.round(r.left)}, ${Math.round(r.right)}]`);
    }
  }
  return {left, right, culprits: culprits.slice(0, 8), width,
          scrollWidth: document.documentElement.scrollWidth,
          header: document.querySelector(".site-header").getBoundingClientRect().height};
}"""


def check_layout(page, viewport, name, screenshot):
    screenshot(page, f"layout-{name}-{viewport['width']}")
    box = page.evaluate(MEASURE)
    where = f"{name} at {viewport['width']} px"
    assert box["scrollWidth"] <= box["width"], f"{where}: the page scrolls sideways ({box['scrollWidth']} px)"
    assert box["left"] >= MIN_SIDE_PADDING and box["right"] >= MIN_SIDE_PADDING, \
        f"{where}: content touches the edge: {box['culprits']}"
    if viewport is not LAPTOP:
        assert box["header"] <= 120, f"{where}: the header takes {box['header']} px"
    return box


def check_menu(page, viewport, links, screenshot, name):
    """Each link name is matched at its start ("Messages" carries its unread count)."""
    toggle = page.locator(".nav__toggle")
    if viewport is LAPTOP:
        assert not toggle.is_visible()
        for link in links:
            assert page.locator(".nav").get_by_role("link", name=re.compile(f"^{link}")).is_visible(), link
        return
    # Closed: one line, the links hidden; the bell (when logged in) stays in the bar.
    assert toggle.is_visible()
    for link in links:
        assert not page.locator(".nav").get_by_role("link", name=re.compile(f"^{link}")).is_visible(), link
    toggle.click()
    for link in links:
        target = page.locator(".nav").get_by_role("link", name=re.compile(f"^{link}"))
        assert target.is_visible(), link
        r = target.bounding_box()
        assert r["x"] >= 0 and r["x"] + r["width"] <= viewport["width"], link
    screenshot(page, f"layout-{name}-menu-{viewport['width']}")
    # The open menu overflows nothing either; Escape closes it.
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    page.keyboard.press("Escape")
    assert not page.locator(".nav").get_by_role("link", name=re.compile(f"^{links[0]}")).is_visible()


@pytest.mark.parametrize("viewport", [PHONE, TABLET, LAPTOP], ids=["phone", "tablet", "laptop"])
def test_pages_keep_their_padding_and_the_phone_header_is_compact(
    viewport, new_page, live_server, log_in, screenshot, working_order, client_user, terms
):
    page = new_page()
    page.set_viewport_size(viewport)

    page.goto(f"{live_server.url}/")
    check_layout(page, viewport, "landing", screenshot)
    check_menu(page, viewport, ["Accueil", "Tarifs", "Se connecter"], screenshot, "landing")

    log_in(page, client_user.email)
    page.goto(f"{live_server.url}{reverse('orders:client_dashboard')}")
    check_layout(page, viewport, "dashboard", screenshot)
    check_menu(page, viewport, ["Mon espace", "Commander", "Mes factures", "Messages", "Mon profil"], screenshot,
               "dashboard")
    if viewport is not LAPTOP:
        # The bell sits in the bar itself, next to the menu button.
        bell = page.locator(".bell summary")
        bell.wait_for()
        assert bell.bounding_box()["y"] < page.locator(".nav__toggle").bounding_box()["y"] + 40
        # Its panel opens inside the screen.
        bell.click()
        panel = page.locator(".bell__panel").bounding_box()
        assert panel["x"] >= 0 and panel["x"] + panel["width"] <= viewport["width"]
        screenshot(page, f"layout-dashboard-bell-{viewport['width']}")
        bell.click()

    page.goto(f"{live_server.url}{reverse('orders:detail', args=[working_order.pk])}")
    page.get_by_role("heading", name=working_order.title).wait_for()
    check_layout(page, viewport, "order", screenshot)

    page.goto(f"{live_server.url}{reverse('orders:create')}")
    page.get_by_label("Nombre de pages").fill("120")
    page.locator("#quote .quote__total").wait_for()
    check_layout(page, viewport, "order-form", screenshot)
    # Fetching the quote is not an upload: the upload bar stays hidden.
    assert not page.locator(".upload-progress").is_visible()
    price = page.get_by_role("heading", name="Votre prix").bounding_box()
    submit = page.get_by_role("button", name="Valider ma commande").bounding_box()
    if viewport is PHONE:
        # One column: the price panel comes before the button.
        assert price["y"] < submit["y"]
    else:
        # Two columns: the price beside the form.
        assert price["x"] > submit["x"] + submit["width"]
