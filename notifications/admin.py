from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_bigtable import BigTableAdminMixin
from core.admin_kept_lists import KeptChangelistAdminMixin
from core.admin_links import register_relation

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(KeptChangelistAdminMixin, BigTableAdminMixin, admin.ModelAdmin):
    list_display = ("title", "user", "type", "priority", "is_read", "is_deleted", "created_at", "expires_at")
    list_filter = ("type", "priority", "is_read", "is_deleted")
    search_fields = ("title", "user__email")
    list_prefetch_related = ("user",)
    autocomplete_fields = ("user",)
    # Newest first, on the primary key (no index starts with created_at);
    # filtered by read state, type, priority: notifications_read_idx, _type_idx, _priority_idx.
    ordering = ("-pk",)


register_relation("accounts.User", label=_("Notifications"), model=Notification, lookup="user")
register_relation("accounts.User", label=_("Notifications non lues"), model=Notification, lookup="user",
                  filters={"is_read__exact": 0})
