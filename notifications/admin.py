from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "user", "type", "priority", "is_read", "is_deleted", "created_at", "expires_at")
    list_filter = ("type", "priority", "is_read", "is_deleted")
    search_fields = ("title", "user__email")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
    show_full_result_count = False
