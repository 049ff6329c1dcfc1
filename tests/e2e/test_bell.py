"""The notification bell in a real browser (issue 9): long titles stay inside the
screen at every width, the periodic refresh neither closes the open panel nor moves
the focus, Escape closes it and gives the focus back to the bell, and a tab in the
background polls nothing (the bell and the Messages badge alike)."""

import pytest
from django.urls import reverse

from notifications.models import Notification
from notifications.services import notify

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

VIEWPORTS = [
    {"width": 320, "height": 640},
    {"width": 390, "height": 844},
    {"width": 768, "height": 1024},
    {"width": 1366, "height": 768},
]
POLL_SECONDS = 1  # the header polls every 30 s in production
UNBROKEN = "Manuscrit" + "A" * 191  # 200 characters, no break opportunity
SENTENCE = ("Votre correcteur a déposé une nouvelle version de votre manuscrit avec les corrections du chapitre "
            "douze et une longue note sur la cohérence des temps verbaux dans tout le texte")
POLLED = ("/notifications/bell/", "/messages/unread/")

# The open panel, each of its items and each title: their left and right edges.
MEASURE = """() => {
  const boxes = [".bell__panel", ".bell__item", ".bell__item strong", ".bell__panel .cluster"]
    .flatMap((selector) => [...document.querySelectorAll(selector)].map((el) => {
      const r = el.getBoundingClientRect();
      return {selector, left: r.left, right: r.right, text: el.textContent.trim().slice(0, 30)};
    }));
  return {width: innerWidth, scrollWidth: document.documentElement.scrollWidth, boxes};
}"""

HIDE_TAB = """(hidden) => {
  const state = hidden ? "hidden" : "visible";
  Object.defineProperty(document, "visibilityState", {configurable: true, get: () => state});
  Object.defineProperty(document, "hidden", {configurable: true, get: () => hidden});
  document.dispatchEvent(new Event("visibilitychange"));
}"""


def ping(user, title):
    return notify(user=user, type=Notification.Type.ORDER, title=title, message="Détails", action_url="/dashboard/")


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v['width']}x{v['height']}")
def test_bell_stays_on_screen_keeps_focus_closes_on_escape_and_sleeps_in_background(
    viewport, new_page, live_server, log_in, screenshot, client_user, settings
):
    settings.NAV_POLL_SECONDS = POLL_SECONDS
    ping(client_user, "Commande payée")
    ping(client_user, SENTENCE)
    ping(client_user, UNBROKEN)
    page = new_page()
    page.set_viewport_size(viewport)
    log_in(page, client_user.email)
    page.goto(f"{live_server.url}{reverse('orders:client_dashboard')}")
    bell = page.locator(".bell summary")
    bell.wait_for()
    assert page.locator(".bell__count").inner_text() == "3"

    # Open: the panel and every title stay inside the screen.
    bell.click()
    page.locator(".bell__panel").get_by_text(UNBROKEN[:20]).wait_for()
    measured = page.evaluate(MEASURE)
    assert measured["scrollWidth"] <= measured["width"], measured
    for box in measured["boxes"]:
        assert 0 <= box["left"] and box["right"] <= measured["width"], (viewport, box)
    screenshot(page, f"bell-open-{viewport['width']}")

    # A keyboard user is on a link of the open panel when the refresh comes; a
    # new notification arrived meanwhile: the count follows, nothing else moves.
    page.locator(".bell__panel").get_by_role("link", name="Tout voir").focus()
    page.evaluate("() => { window.focusedBefore = document.activeElement; }")
    ping(client_user, "Nouveau message")
    with page.expect_response(lambda r: "/notifications/bell/" in r.url):
        pass
    page.locator(".bell__count").get_by_text("4").wait_for()
    assert page.evaluate("document.querySelector('details.bell').open")
    assert page.evaluate("document.activeElement === window.focusedBefore")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Tout voir"
    assert page.locator(".bell summary").get_attribute("aria-label") == "4 notifications non lues"

    # Escape closes it and gives the focus back to the bell.
    page.keyboard.press("Escape")
    assert not page.evaluate("document.querySelector('details.bell').open")
    assert page.evaluate("document.activeElement === document.querySelector('.bell summary')")
    # Closed, the next refresh brings the new item in; the bell keeps the focus.
    page.locator(".bell__panel .bell__item").get_by_text("Nouveau message").wait_for(state="attached")
    assert page.evaluate("document.activeElement === document.querySelector('.bell summary')")
    # A click elsewhere closes it too.
    bell.click()
    page.locator("main").click(position={"x": 5, "y": 5})
    assert not page.evaluate("document.querySelector('details.bell').open")

    # In a background tab nothing is polled; back in front, one catch-up request each.
    sent = []
    page.on("request", lambda r: sent.append(r.url) if any(path in r.url for path in POLLED) else None)
    page.evaluate(HIDE_TAB, True)
    page.wait_for_timeout(300)  # a request already on its way
    sent.clear()
    page.wait_for_timeout(POLL_SECONDS * 3500)
    assert sent == []
    page.evaluate(HIDE_TAB, False)
    page.wait_for_timeout(500)
    assert sorted({path for url in sent for path in POLLED if path in url}) == sorted(POLLED)
