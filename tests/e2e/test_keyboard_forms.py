"""Issue 9, keyboard and screen readers, at 390×844 and 1366×768: an order
form htmx swaps back with errors puts focus on its error summary, in view; the
summary's first link takes focus to its field; a refused login describes both
inputs by its error."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from orders.tests.factories import ServiceFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}

# The element's middle point is inside the viewport and not covered (a sticky header).
IN_VIEW = """(element) => {
  const box = element.getBoundingClientRect();
  const x = box.left + Math.min(box.width / 2, 40), y = box.top + Math.min(box.height / 2, 20);
  if (box.top < 0 || box.bottom > window.innerHeight || box.left < 0 || box.right > window.innerWidth) return false;
  const seen = document.elementFromPoint(x, y);
  return seen !== null && element.contains(seen);
}"""

DESCRIPTION = """(element) => (element.getAttribute("aria-describedby") || "").split(/\\s+/).filter(Boolean)
  .map((id) => { const d = document.getElementById(id); return d ? d.textContent.trim() : "MISSING " + id; }).join(" | ")"""


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390", "1366"])
def test_order_form_errors_take_focus_to_the_summary(page, live_server, log_in, screenshot, viewport, terms):
    ServiceFactory(name="Correction Standard", price=200)
    author = UserFactory()
    page.set_viewport_size(viewport)
    log_in(page, author.email)
    page.goto(f"{live_server.url}/orders/new/")
    page.get_by_label("Service").select_option(label="Correction Standard")
    page.get_by_label("Nombre de pages").fill("12")
    # No title, no manuscript. Submit from the keyboard, as a keyboard user would.
    page.get_by_role("button", name="Valider ma commande").focus()
    page.keyboard.press("Enter")

    # The order's own fields come first; the CGV box, unticked, has its summary below.
    summary = page.locator("#order-form [data-error-summary]").first
    summary.wait_for()
    expect(summary).to_be_focused()
    assert summary.get_attribute("role") == "alert"
    assert summary.evaluate(IN_VIEW), f"the error summary is not in view at {viewport['width']} px"
    screenshot(page, f"keyboard-order-errors-{viewport['width']}")

    # Tab reaches the summary's first link; Enter takes focus to its field.
    page.keyboard.press("Tab")
    first_link = summary.get_by_role("link").first
    assert first_link.evaluate("(link) => link === document.activeElement")
    assert first_link.get_attribute("href") == "#id_title"
    page.keyboard.press("Enter")
    title = page.locator("#id_title")
    expect(title).to_be_focused()
    assert title.evaluate(IN_VIEW), f"the title field is not in view at {viewport['width']} px"
    assert title.get_attribute("aria-invalid") == "true"
    assert "Ce champ est obligatoire." in title.evaluate(DESCRIPTION)

    # Fixing the form and sending it again still works: the swapped form kept its id.
    page.keyboard.type("Le Horla")
    assert page.locator("#order-form").count() == 1


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390", "1366"])
def test_refused_login_describes_both_inputs(page, live_server, screenshot, viewport):
    user = UserFactory()
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill("pas-le-bon-mot-de-passe")
    page.get_by_role("button", name="Se connecter").click()
    page.locator("[data-error-summary]").wait_for()
    for field_id in ("id_username", "id_password"):
        field = page.locator(f"#{field_id}")
        assert field.get_attribute("aria-invalid") == "true"
        assert "Adresse e-mail ou mot de passe incorrect." in field.evaluate(DESCRIPTION)
    assert page.locator("[data-error-summary]").evaluate(IN_VIEW)
    screenshot(page, f"keyboard-login-refused-{viewport['width']}")


def test_preferences_form_swapped_by_htmx_gives_focus_back(page, live_server, log_in):
    """The preferences form is replaced whole (outerHTML): its submit button
    keeps its id, so htmx puts focus back on it instead of <body>."""
    user = UserFactory()
    page.set_viewport_size(PHONE)
    log_in(page, user.email)
    page.goto(f"{live_server.url}/accounts/profile/")
    page.get_by_label("Actualités et offres de Staka Livres").check()
    button = page.get_by_role("button", name="Enregistrer mes préférences")
    button.focus()
    page.keyboard.press("Enter")
    page.get_by_text("Vos préférences de notification ont été enregistrées.").wait_for()
    expect(page.get_by_role("button", name="Enregistrer mes préférences")).to_be_focused()
