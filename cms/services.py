"""Every write of the cms app: a page's publication states and its versions.

A page's status moves only here (the admin's actions and its change form
call these too). Publishing writes a PageRevision when the title or the
text differ from the last version: the CGV an order accepted stays readable
for ever. A revision records when its text goes live; one dated in the
future (a scheduled page) has been seen by nobody, so it is replaced when
the plan changes.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import Severity, audit_record

from .models import Page, PageRevision


def _locked(page):
    return Page.objects.select_for_update().get(pk=page.pk)


def _write_revision(*, page, live_at, by):
    """A new version of ``page`` going live at ``live_at``, unless its title
    and text are those of the last one."""
    page.revisions.filter(published_at__gt=timezone.now()).delete()
    last = page.revisions.order_by("-number").first()
    if last is not None and last.title == page.title and last.content == page.content:
        return None
    number = (page.revisions.aggregate(top=Max("number"))["top"] or 0) + 1
    return PageRevision.objects.create(
        page=page, number=number, title=page.title, content=page.content, published_at=live_at, published_by=by,
    )


def _audit(page, action, by, request, **details):
    audit_record(action=action, actor=by, target=page, request=request, severity=Severity.MEDIUM,
                 details={"slug": page.slug, **details})


def page_publish(*, page, by=None, request=None):
    """Put ``page`` online now (or keep the moment a scheduled page went live)."""
    with transaction.atomic():
        page = _locked(page)
        now = timezone.now()
        # A due scheduled page went live at its planned moment; anything else now.
        was_due = page.status == Page.Status.SCHEDULED and page.published_at and page.published_at <= now
        was_online = page.status == Page.Status.PUBLISHED
        live_at = page.published_at if was_due else now
        if page.published_at is None or page.published_at > now:
            page.published_at = now
        page.status = Page.Status.PUBLISHED
        page.save(update_fields=["status", "published_at", "updated_at"])
        _write_revision(page=page, live_at=live_at, by=by)
        if not was_online:  # the admin saves a published page through here: not a new publication
            _audit(page, "page.publish", by, request)
    return page


def page_schedule(*, page, at, by=None, request=None):
    """Put ``page`` online at ``at`` (in the future). Its version is written
    now, dated ``at``: the page and the CGV in force change at that very
    moment, whether or not the beat task has run."""
    if at <= timezone.now():
        raise ValidationError(_("La date de publication programmée doit être dans le futur."))
    with transaction.atomic():
        page = _locked(page)
        page.status = Page.Status.SCHEDULED
        page.published_at = at
        page.save(update_fields=["status", "published_at", "updated_at"])
        _write_revision(page=page, live_at=at, by=by)
        _audit(page, "page.schedule", by, request, at=at)
    return page


def _take_offline(*, page, status, action, by, request):
    with transaction.atomic():
        page = _locked(page)
        moved = page.status != status
        page.status = status
        page.save(update_fields=["status", "updated_at"])
        # A version planned for later will not go live.
        page.revisions.filter(published_at__gt=timezone.now()).delete()
        if moved:
            _audit(page, action, by, request)
    return page


def page_unpublish(*, page, by=None, request=None):
    """Back to draft: visible to staff only."""
    return _take_offline(page=page, status=Page.Status.DRAFT, action="page.unpublish", by=by, request=request)


def page_archive(*, page, by=None, request=None):
    """Out of the site, kept (with its versions)."""
    return _take_offline(page=page, status=Page.Status.ARCHIVED, action="page.archive", by=by, request=request)


def pages_publish_due():
    """Publish the scheduled pages whose moment has come (the beat task and
    `manage.py publish_scheduled_pages`). Idempotent: a page already
    published by another run is left as it is. Returns how many moved."""
    due = Page.objects.filter(status=Page.Status.SCHEDULED, published_at__lte=timezone.now()).values_list("pk", flat=True)
    published = 0
    for pk in list(due):
        with transaction.atomic():
            page = Page.objects.select_for_update().filter(pk=pk, status=Page.Status.SCHEDULED).first()
            if page is None:
                continue
            page_publish(page=page)
            published += 1
    return published
