from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from cms import services
from cms.models import Page, PageRevision
from cms.selectors import current_terms_revision
from core.registry import current_terms

from .factories import PageFactory

pytestmark = pytest.mark.django_db


def draft(**kwargs):
    return PageFactory(status=Page.Status.DRAFT, published_at=None, **kwargs)


def test_publishing_writes_version_1_then_only_when_the_text_changes(staff):
    page = services.page_publish(page=draft(title="CGV", content="Texte 1"), by=staff)
    assert page.status == Page.Status.PUBLISHED and page.published_at is not None
    first = page.revisions.get()
    assert (first.number, first.title, first.content, first.published_by) == (1, "CGV", "Texte 1", staff)

    services.page_publish(page=page, by=staff)  # nothing changed
    assert page.revisions.count() == 1

    page.content = "Texte 2"
    page.save()
    services.page_publish(page=page, by=staff)
    assert list(page.revisions.values_list("number", "content")) == [(2, "Texte 2"), (1, "Texte 1")]

    page.title = "Conditions générales"
    page.save()
    services.page_publish(page=page, by=staff)
    assert page.revisions.count() == 3


def test_republishing_an_edited_page_keeps_its_publication_date():
    published_at = timezone.now() - timedelta(days=30)
    page = PageFactory(published_at=published_at)
    page.content = "Nouveau"
    page.save()
    page = services.page_publish(page=page)
    assert page.published_at == published_at
    assert page.revisions.get().published_at > published_at  # the new text goes live now


def test_unpublish_and_archive_take_the_page_offline_and_keep_its_versions():
    page = services.page_publish(page=draft())
    page = services.page_unpublish(page=page)
    assert page.status == Page.Status.DRAFT and not page.is_live
    page = services.page_archive(page=services.page_publish(page=page))
    assert page.status == Page.Status.ARCHIVED and not page.is_live
    assert page.revisions.count() == 1


def test_scheduling_needs_a_future_date():
    page = draft()
    with pytest.raises(ValidationError, match="futur"):
        services.page_schedule(page=page, at=timezone.now() - timedelta(minutes=1))
    page.refresh_from_db()
    assert page.status == Page.Status.DRAFT and not page.revisions.exists()


def test_a_scheduled_page_is_live_the_moment_its_date_passes(django_capture_on_commit_callbacks):
    at = timezone.now() + timedelta(hours=1)
    page = services.page_schedule(page=draft(), at=at)
    assert page.status == Page.Status.SCHEDULED and not page.is_live
    assert page.revisions.get().published_at == at

    Page.objects.filter(pk=page.pk).update(published_at=timezone.now() - timedelta(seconds=1))
    PageRevision.objects.filter(page=page).update(published_at=timezone.now() - timedelta(seconds=1))
    page.refresh_from_db()
    assert page.is_live and page.status == Page.Status.SCHEDULED  # before the beat task ran

    assert services.pages_publish_due() == 1
    page.refresh_from_db()
    assert page.status == Page.Status.PUBLISHED and page.revisions.count() == 1
    assert services.pages_publish_due() == 0  # idempotent


def test_the_beat_task_and_the_command_publish_due_pages(settings):
    from cms import tasks
    from config.celery_app import app

    app.loader.import_default_modules()
    assert settings.CELERY_BEAT_SCHEDULE["publish-scheduled-pages"]["task"] == tasks.publish_scheduled_pages.name
    assert tasks.publish_scheduled_pages.name in app.tasks
    due = PageFactory(status=Page.Status.SCHEDULED, published_at=timezone.now() - timedelta(minutes=1))
    later = PageFactory(status=Page.Status.SCHEDULED, published_at=timezone.now() + timedelta(days=1))
    assert tasks.publish_scheduled_pages.delay().get() == 1
    due.refresh_from_db(), later.refresh_from_db()
    assert due.status == Page.Status.PUBLISHED and later.status == Page.Status.SCHEDULED
    out = StringIO()
    call_command("publish_scheduled_pages", stdout=out)
    assert "0 page(s)" in out.getvalue()  # nothing left


def test_a_planned_version_that_will_not_go_live_is_dropped():
    page = services.page_publish(page=draft(content="v1"))
    page.content = "v2"
    page.save()
    page = services.page_schedule(page=page, at=timezone.now() + timedelta(days=2))
    assert page.revisions.count() == 2
    page = services.page_unpublish(page=page)
    assert list(page.revisions.values_list("content", flat=True)) == ["v1"]
    # Published now instead: v2 dated now, numbered after v1.
    page = services.page_publish(page=page)
    latest = page.revisions.first()
    assert (latest.number, latest.content) == (2, "v2") and latest.published_at <= timezone.now()


def test_the_terms_in_force_are_the_latest_live_cgv_version():
    assert current_terms_revision() is None
    cgv = services.page_publish(page=draft(slug="cgv", title="CGV", content="v1"))
    assert current_terms().number == 1
    cgv.content = "v2"
    cgv.save()
    services.page_publish(page=cgv)
    assert current_terms().number == 2 and current_terms().content == "v2"
    services.page_archive(page=cgv)
    assert current_terms() is None


def test_scheduled_cgv_are_in_force_only_from_their_date():
    cgv = services.page_publish(page=draft(slug="cgv", content="v1"))
    cgv.content = "v2"
    cgv.save()
    services.page_schedule(page=cgv, at=timezone.now() + timedelta(hours=1))
    assert current_terms_revision() is None  # the page is offline until then
    PageRevision.objects.filter(page=cgv, number=2).update(published_at=timezone.now() - timedelta(seconds=1))
    Page.objects.filter(pk=cgv.pk).update(published_at=timezone.now() - timedelta(seconds=1))
    assert current_terms_revision().number == 2
