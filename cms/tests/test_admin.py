"""The back office of pages: every status change goes through the services."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cms import services
from cms.models import FAQ, Page, PageRevision

from .factories import FAQFactory, PageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(client, staff):
    client.force_login(staff)
    return client


def page_form(page=None, **changes):
    """What the change form posts (dates split as the admin's widget does)."""
    data = {
        "title": "Conditions générales", "slug": "cgv", "type": Page.Type.LEGAL, "content": "Texte 1", "excerpt": "",
        "status": Page.Status.DRAFT, "published_at_0": "", "published_at_1": "", "is_public": "on",
        "category": "", "tags": "", "sort_order": 0, "meta_title": "", "meta_description": "", "meta_keywords": "",
        "revisions-TOTAL_FORMS": 0, "revisions-INITIAL_FORMS": 0,
    }
    at = changes.pop("published_at", None)
    if at is not None:
        local = timezone.localtime(at)
        data.update(published_at_0=local.strftime("%d/%m/%Y"), published_at_1=local.strftime("%H:%M:%S"))
    data.update(changes)
    return data


def test_saving_a_page_as_published_writes_a_version(team, staff):
    response = team.post(reverse("admin:cms_page_add"), page_form(status=Page.Status.PUBLISHED))
    assert response.status_code == 302, response.context["adminform"].form.errors
    page = Page.objects.get(slug="cgv")
    assert page.status == Page.Status.PUBLISHED and page.published_at is not None
    assert list(page.revisions.values_list("number", "content", "published_by")) == [(1, "Texte 1", staff.pk)]

    url = reverse("admin:cms_page_change", args=[page.pk])
    team.post(url, page_form(status=Page.Status.PUBLISHED, published_at=page.published_at))  # unchanged
    assert page.revisions.count() == 1
    team.post(url, page_form(status=Page.Status.PUBLISHED, published_at=page.published_at, content="Texte 2"))
    assert list(page.revisions.values_list("number", flat=True)) == [2, 1]


def test_saving_a_draft_writes_no_version_and_keeps_it_offline(team):
    team.post(reverse("admin:cms_page_add"), page_form())
    page = Page.objects.get(slug="cgv")
    assert page.status == Page.Status.DRAFT and not page.revisions.exists() and page.published_at is None


def test_scheduling_from_the_form_needs_a_future_date(team):
    response = team.post(reverse("admin:cms_page_add"), page_form(status=Page.Status.SCHEDULED))
    assert response.status_code == 200
    assert "Indiquez une date future" in response.content.decode() and not Page.objects.exists()
    past = timezone.now() - timedelta(days=1)
    response = team.post(reverse("admin:cms_page_add"), page_form(status=Page.Status.SCHEDULED, published_at=past))
    assert response.status_code == 200 and not Page.objects.exists()

    at = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    assert team.post(reverse("admin:cms_page_add"),
                     page_form(status=Page.Status.SCHEDULED, published_at=at)).status_code == 302
    page = Page.objects.get()
    assert page.status == Page.Status.SCHEDULED and page.published_at == at
    assert page.revisions.get().published_at == at


def test_published_with_a_future_date_is_refused(team):
    response = team.post(reverse("admin:cms_page_add"),
                         page_form(status=Page.Status.PUBLISHED, published_at=timezone.now() + timedelta(days=1)))
    assert response.status_code == 200 and "Programmée" in response.content.decode()
    assert not Page.objects.exists()


def test_the_actions_publish_unpublish_and_archive(team, staff):
    pages = [PageFactory(status=Page.Status.DRAFT, published_at=None) for _ in range(2)]
    changelist = reverse("admin:cms_page_changelist")

    def act(action):
        return team.post(changelist, {"action": action, "_selected_action": [p.pk for p in pages]}, follow=True)

    assert "2 pages publiées." in act("publish").content.decode()
    assert set(Page.objects.values_list("status", flat=True)) == {Page.Status.PUBLISHED}
    assert PageRevision.objects.filter(published_by=staff).count() == 2
    act("publish")
    assert PageRevision.objects.count() == 2  # nothing changed: no new version
    assert "2 pages repassées en brouillon." in act("unpublish").content.decode()
    assert set(Page.objects.values_list("status", flat=True)) == {Page.Status.DRAFT}
    assert "2 pages archivées." in act("archive").content.decode()
    assert set(Page.objects.values_list("status", flat=True)) == {Page.Status.ARCHIVED}


def test_the_changelist_offers_a_preview_and_no_deletion(team):
    page = PageFactory(status=Page.Status.DRAFT, slug="a-venir")
    html = team.get(reverse("admin:cms_page_changelist")).content.decode()
    assert 'href="/pages/a-venir/">Prévisualiser</a>' in html
    assert "delete_selected" not in html
    assert team.get(reverse("admin:cms_page_delete", args=[page.pk])).status_code == 403


def test_versions_are_read_only(team):
    page = services.page_publish(page=PageFactory(status=Page.Status.DRAFT))
    revision = page.revisions.get()
    assert team.get(reverse("admin:cms_pagerevision_add")).status_code == 403
    response = team.get(reverse("admin:cms_pagerevision_change", args=[revision.pk]))
    assert response.status_code == 200 and 'name="content"' not in response.content.decode()
    assert team.post(reverse("admin:cms_pagerevision_change", args=[revision.pk]),
                     {"content": "Réécrit"}).status_code == 403
    assert team.get(reverse("admin:cms_pagerevision_delete", args=[revision.pk])).status_code == 403
    revision.refresh_from_db()
    assert revision.content != "Réécrit"
    html = team.get(reverse("admin:cms_page_change", args=[page.pk])).content.decode()
    assert "revisions-TOTAL_FORMS" in html and 'name="revisions-0-title"' not in html  # shown, not editable


def test_faq_order_and_visibility_are_edited_in_the_list(team):
    faq = FAQFactory(order=1)
    data = {"form-TOTAL_FORMS": 1, "form-INITIAL_FORMS": 1, "form-0-id": faq.pk, "form-0-order": 5,
            "_save": "Enregistrer"}
    assert team.post(reverse("admin:cms_faq_changelist"), data).status_code == 302
    faq = FAQ.objects.get(pk=faq.pk)
    assert faq.order == 5 and not faq.visible
