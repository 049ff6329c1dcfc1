"""Publishing and unpublishing a page are audited once per real move."""

import pytest
from django.urls import reverse

from cms.models import Page
from core.models import AuditLog

from .factories import PageFactory

pytestmark = pytest.mark.django_db


def test_publish_and_unpublish_from_the_admin_write_one_entry_per_page_and_move(client, staff):
    page = PageFactory(status=Page.Status.DRAFT, published_at=None)
    client.force_login(staff)
    changelist = reverse("admin:cms_page_changelist")

    def act(action):
        client.post(changelist, {"action": action, "_selected_action": [page.pk]}, REMOTE_ADDR="203.0.113.30")

    act("publish")
    act("publish")  # already online: not a publication
    [entry] = AuditLog.objects.filter(action="page.publish")
    assert (entry.actor, entry.target_type, entry.target_id) == (staff, "cms.page", str(page.pk))
    assert entry.ip_address == "203.0.113.30"
    act("unpublish")
    assert AuditLog.objects.filter(action="page.unpublish", target_id=str(page.pk)).count() == 1
