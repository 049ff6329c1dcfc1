"""The admin's list of models (sidebar, home page) is rendered once per staff
member and minute (core.templatetags.admin_nav), and still marks the page's
application and model."""

import re

import pytest
from django.contrib.admin import AdminSite
from django.core.cache import cache
from django.urls import reverse

from accounts.tests.factories import AdminFactory
from core.templatetags.admin_nav import mark_current, nav_cache_key

pytestmark = pytest.mark.django_db

ORDERS = reverse("admin:orders_order_changelist")
NOTIFICATIONS = reverse("admin:notifications_notification_changelist")


def sidebar(html):
    return html[html.index('<nav class="sticky" id="nav-sidebar"'):html.index("</nav>", html.index('id="nav-sidebar"'))]


@pytest.fixture
def staff(client):
    user = AdminFactory()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def app_list_builds(monkeypatch):
    calls = []
    build = AdminSite._build_app_dict

    def counting(self, request, label=None):
        calls.append(label)
        return build(self, request, label)

    monkeypatch.setattr(AdminSite, "_build_app_dict", counting)
    return calls


def test_the_sidebar_marks_the_current_model_and_application_from_its_cached_copy(staff, app_list_builds):
    orders_page = sidebar(staff.get(ORDERS).content.decode())
    assert len(app_list_builds) == 1 and cache.get(nav_cache_key(staff.user)) is not None
    notifications_page = sidebar(staff.get(NOTIFICATIONS).content.decode())
    assert len(app_list_builds) == 1  # the second page read the cached list
    assert f'<a href="{ORDERS}" aria-current="page">' in orders_page
    assert re.search(r'<tr class="model-order current-model">', orders_page)
    assert 'class="app-orders module current-app"' in orders_page
    assert f'<a href="{NOTIFICATIONS}">' in orders_page and "[[" not in orders_page
    assert f'<a href="{NOTIFICATIONS}" aria-current="page">' in notifications_page
    assert f'<a href="{ORDERS}">' in notifications_page and 'class="app-orders module"' in notifications_page
    assert "Écrivez ici pour filtrer…" in notifications_page and "Ajouter" in notifications_page


def test_each_staff_member_has_their_own_copy(staff, client, app_list_builds):
    staff.get(ORDERS)
    other = AdminFactory()
    client.force_login(other)
    client.get(ORDERS)
    assert len(app_list_builds) == 2
    assert nav_cache_key(staff.user) != nav_cache_key(other)


def test_the_home_page_lists_the_models_with_their_change_links_from_its_cached_copy(staff, app_list_builds):
    first = staff.get(reverse("admin:index")).content.decode()
    second = staff.get(reverse("admin:index")).content.decode()
    assert len(app_list_builds) == 1
    assert f'<a href="{ORDERS}" class="changelink"' in second and first.count("changelink") == second.count("changelink")


def test_mark_current_follows_djangos_rule():
    html = '<div class="module[[current-app /admin/orders/]]"><a href="/admin/orders/order/"[[aria-current /admin/orders/order/]]>'
    assert mark_current(html, "/admin/orders/order/12/change/") == (
        '<div class="module current-app"><a href="/admin/orders/order/" aria-current="page">')
    assert mark_current(html, "/admin/") == '<div class="module"><a href="/admin/orders/order/">'
    assert mark_current('<tr class="model-x[[current-model ]]">', "/admin/") == '<tr class="model-x">'
