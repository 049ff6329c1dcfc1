"""Standing suite (issue 8): 20 simultaneous presses of the page actions of
the admin -> one effect. Real POSTs through the admin, each from its own
logged-in browser and database connection. Needs MariaDB (CI)."""

import pytest
from django.urls import reverse

from cms import services
from cms.models import Page, PageRevision
from core.testing import server_database_only, submit_all

from .factories import PageFactory

pytestmark = [pytest.mark.django_db(transaction=True), server_database_only]


def press(staff, action, pages):
    data = {"action": action, "index": "0", "_selected_action": [str(page.pk) for page in pages]}
    responses = submit_all(staff, reverse("admin:cms_page_changelist"), lambda: dict(data))
    assert {r.status_code for r in responses} == {302}


def test_publish_pressed_20_times_writes_one_version(staff):
    page = PageFactory(status=Page.Status.DRAFT, published_at=None)
    press(staff, "publish", [page])
    page.refresh_from_db()
    assert page.status == Page.Status.PUBLISHED
    assert list(PageRevision.objects.filter(page=page).values_list("number", flat=True)) == [1]


def test_publishing_an_edited_page_20_times_writes_one_new_version(staff):
    page = services.page_publish(page=PageFactory(status=Page.Status.DRAFT, content="v1"))
    Page.objects.filter(pk=page.pk).update(content="v2")
    press(staff, "publish", [page])
    assert list(PageRevision.objects.filter(page=page).values_list("number", "content")) == [(2, "v2"), (1, "v1")]


def test_unpublish_and_archive_20_times_move_once(staff):
    first, second = (services.page_publish(page=PageFactory(status=Page.Status.DRAFT)) for _ in range(2))
    press(staff, "unpublish", [first])
    press(staff, "archive", [second])
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.status, second.status) == (Page.Status.DRAFT, Page.Status.ARCHIVED)
    assert PageRevision.objects.count() == 2  # versions kept
