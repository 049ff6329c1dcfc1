"""Browser tests: Playwright driving Debian's Chromium against live_server.

`playwright install` cannot download a browser here, so the tests launch the
system's /usr/bin/chromium (CHROMIUM_PATH overrides it).
"""

import os
from pathlib import Path

import pytest
from django.core import mail

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"))

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make between browser steps are ordinary synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test`, which installs it.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server, settings):
    """Open pages in separate browser contexts (one per person); each fails
    the test if it logged a JavaScript error, a CSP violation or a 404."""
    # Links in e-mails point at the server the browser talks to.
    settings.SITE_URL = live_server.url
    opened = []

    def open_page():
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR", accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.on(
            "console",
            lambda msg: page.errors.append(msg.text)
            if msg.type == "error" and "Failed to load resource" not in msg.text else None,
        )
        # Name the URL of any missing asset (the console message does not).
        page.on("response", lambda r: page.errors.append(f"{r.status} {r.url}") if r.status == 404 else None)
        opened.append((context, page))
        return page

    yield open_page
    errors = [error for _context, page in opened for error in page.errors]
    for context, _page in opened:
        context.close()
    assert errors == [], f"JavaScript errors or CSP violations in the browser: {errors}"


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def log_in(live_server):
    from accounts.tests.factories import DEFAULT_PASSWORD

    def log_in(page, email, password=DEFAULT_PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Adresse e-mail").fill(email)
        page.get_by_label("Mot de passe").fill(password)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_load_state()

    return log_in


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)

    return take


@pytest.fixture
def outbox():
    return mail.outbox


def fill_order_form(page, *, title, pages, filename, content, service="Correction Standard"):
    """The order form's own fields (the visitor's account fields aside)."""
    import re

    page.get_by_label("Service").select_option(label=service)
    page.get_by_label("Titre du manuscrit").fill(title)
    page.get_by_label("Nombre de pages").fill(str(pages))
    page.get_by_label(re.compile("Manuscrit")).set_input_files(
        files=[{"name": filename, "mimeType": "application/pdf", "buffer": content}]
    )
    page.get_by_label(re.compile("J'ai lu et j'accepte les conditions générales de vente")).check()
