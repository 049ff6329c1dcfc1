"""Big tables' changelists never count the whole table (core.admin_bigtable)."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import AdminFactory, UserFactory
from core import admin_bigtable
from core.testing import visible_text
from notifications.models import Notification

pytestmark = pytest.mark.django_db

URL = reverse("admin:notifications_notification_changelist")


@pytest.fixture
def notifications(client, monkeypatch):
    monkeypatch.setattr(admin.site._registry[Notification], "list_per_page", 2)
    client.force_login(AdminFactory())
    user = UserFactory()
    return [Notification.objects.create(user=user, title=f"Avis {i}", message="…") for i in range(5)]


def get(client, query=""):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL + query)
    assert response.status_code == 200
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    return visible_text(response.content.decode()), counts


def test_a_filtered_list_counts_only_up_to_the_next_page(client, notifications):
    text, counts = get(client, "?is_read__exact=0")
    assert "plus de 2 notifications" in text
    assert "Avis 4" in text and "Avis 2" not in text  # newest first, two per page
    assert counts and all("LIMIT 3" in sql.upper() for sql in counts)
    text, counts = get(client, "?is_read__exact=0&p=2")
    assert "plus de 4 notifications" in text and "Avis 2" in text
    assert all("LIMIT 5" in sql.upper() for sql in counts)


def test_the_last_page_knows_the_exact_total_and_show_all_is_off(client, notifications):
    text, _ = get(client, "?is_read__exact=0&p=3")
    assert "5 notifications" in text and "plus de" not in text and "Avis 0" in text
    page = client.get(URL).content.decode()
    assert 'class="showall"' not in page


def test_the_search_and_select_all_do_not_claim_a_total(client, notifications):
    text, _ = get(client, "?q=Avis")
    assert "plus de 2 résultats" in text and "3 résultats" not in text
    assert "Sélectionner toutes les lignes filtrées (toutes les pages)" in text


@pytest.mark.skipif(connection.vendor != "mysql", reason="the estimate is read from MySQL/MariaDB's information_schema")
def test_an_unfiltered_list_on_mysql_shows_the_table_estimate(client, notifications, monkeypatch):
    monkeypatch.setattr(admin_bigtable, "ESTIMATE_SQL", "SELECT 2000000 + 0 * CHAR_LENGTH(%s)")
    text, counts = get(client)
    assert "environ 2" in text and "2 000 000" in text.replace("\u202f", " ").replace("\xa0", " ")
    assert len(counts) == 1 and "LIMIT 3" in counts[0].upper()  # never a COUNT of the whole table


def test_the_overridden_admin_templates_keep_djangos_french(client, notifications):
    """Our copies of Django's templates write French source strings: copying
    Django's English ones would put them, untranslated, in our catalogue,
    which wins over Django's ("Save" instead of "Enregistrer" everywhere)."""
    from django.utils import translation

    with translation.override("fr"):
        assert [translation.gettext(s) for s in ("Save", "Show all", "Search", "Clear selection")] == [
            "Enregistrer", "Tout afficher", "Rechercher", "Effacer la sélection"]
    page = client.get(URL + "?q=Avis&p=3").content.decode()
    assert "5 résultats" in visible_text(page) and 'value="Rechercher"' in page
