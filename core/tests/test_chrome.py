"""The navigation and the footer of base.html are drawn once per variant and
kept in the process (core.templatetags.chrome, issue 13): the markup is the
templates', each user sees their own name and role's links, the current page
is marked, and the logout form posts with this request's CSRF token."""

import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.tests.factories import CorrectorFactory, UserFactory
from core.templatetags import chrome
from core.testing import enforce_csrf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_variants():
    chrome._variants.clear()
    yield
    chrome._variants.clear()


def nav(html):
    return re.search(r'<nav class="nav".*?</nav>', html, re.S).group(0)


def test_each_user_sees_their_name_links_and_current_page(client):
    alice, bruno = UserFactory(first_name="Alice"), CorrectorFactory(first_name="Bruno")
    client.force_login(alice)
    home = client.get(reverse("orders:client_dashboard")).content.decode()
    assert "Alice" in nav(home) and reverse("orders:corrector_queue") not in nav(home)
    assert re.search(r'href="[^"]+" aria-current="page">Mon espace', home)
    bills = client.get(reverse("billing:home")).content.decode()
    assert re.search(r'aria-current="page">Mes factures', bills) and not re.search(
        r'aria-current="page">Mon espace', bills)
    client.force_login(bruno)
    queue = client.get(reverse("orders:corrector_queue")).content.decode()
    assert "Bruno" in nav(queue) and "Alice" not in nav(queue) and "Mes factures" not in nav(queue)
    assert f'href="{reverse("orders:corrector_queue")}" aria-current="page"' in queue
    alice.first_name = "Alicia"
    alice.save()
    client.force_login(alice)
    assert "Alicia" in nav(client.get(reverse("billing:home")).content.decode())


def test_the_logout_form_posts_with_this_requests_token(client):
    user = UserFactory()
    client.force_login(user)
    client.get(reverse("billing:home"))
    client.logout()
    client.force_login(user)  # a new session, a new CSRF secret; the nav comes from the process
    html = client.get(reverse("billing:home")).content.decode()
    assert "__staka_csrf_token__" not in html
    token = re.search(r'action="/accounts/logout/"><input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"',
                      html).group(1)
    response = enforce_csrf(client).post(reverse("accounts:logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_the_footer_is_the_templates(client, rf):
    html = client.get(reverse("accounts:login")).content.decode()
    footer = re.search(r'<footer class="site-footer">.*?</footer>', html, re.S).group(0)
    expected = render_to_string("includes/footer.html", request=rf.get("/"))
    assert footer == re.search(r'<footer class="site-footer">.*?</footer>', expected, re.S).group(0)
    assert 'href="/cgv/"' in footer


def test_variants_are_bounded(client, monkeypatch):
    monkeypatch.setattr(chrome, "CHROME_VARIANTS", 2)
    for number in range(4):
        client.force_login(UserFactory(first_name=f"Nom{number}"))
        client.get(reverse("billing:home"))
    assert len(chrome._variants) <= 2


def test_a_changed_poll_interval_shows_at_once(client, settings):
    """Regression: the kept navigation held the interval of the first page drawn."""
    client.force_login(UserFactory())
    settings.NAV_POLL_SECONDS = 30
    assert "every 30s" in client.get(reverse("billing:home")).content.decode()
    settings.NAV_POLL_SECONDS = 1
    assert "every 1s" in client.get(reverse("billing:home")).content.decode()


def test_an_unbound_filter_form_is_drawn_once_and_a_bound_one_each_time(client, monkeypatch):
    """"Mes projets" without filters: its filter fields come from the process's
    copy; with filters, the client's search and choice are drawn back."""
    from orders.forms import ClientOrderFilterForm

    drawn = []
    original = ClientOrderFilterForm.__iter__
    monkeypatch.setattr(ClientOrderFilterForm, "__iter__", lambda form: drawn.append(form) or original(form))
    client.force_login(UserFactory())
    url = reverse("orders:client_dashboard")
    first, second = client.get(url).content.decode(), client.get(url).content.decode()
    assert len(drawn) == 1 and 'name="q"' in first and 'name="q"' in second
    searched = client.get(url, {"q": "Mémoires « d'été »", "status": "finished"}).content.decode()
    assert len(drawn) == 2
    assert 'value="Mémoires « d&#x27;été »"' in searched
    assert re.search(r'<option value="finished" selected>', searched)
