from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .admin_bigtable import BigTableAdminMixin
from .emails import outbox_resend
from .models import OutboxEmail, OutboxTask
from .outbox import outbox_task_retry


@admin.register(OutboxTask)
class OutboxTaskAdmin(BigTableAdminMixin, admin.ModelAdmin):
    """Read-only: the relay and the tasks write these rows."""

    list_display = ("created_at", "task", "status", "attempts", "dispatched_at", "done_at")
    list_filter = ("status", "task")
    ordering = ("-created_at",)  # outbox_task_created_idx
    readonly_fields = [f.name for f in OutboxTask._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Relancer les tâches abandonnées sélectionnées"))
    def retry(self, request, queryset):
        count = sum(outbox_task_retry(record=record) for record in queryset)
        self.message_user(request, _("%(count)s tâche(s) relancée(s).") % {"count": count}, messages.SUCCESS)


@admin.register(OutboxEmail)
class OutboxEmailAdmin(BigTableAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "to", "template", "subject", "status", "attempts", "sent_at")
    list_filter = ("status", "template")
    search_fields = ("=to", "subject")
    ordering = ("-pk",)  # newest first, on the primary key
    readonly_fields = [f.name for f in OutboxEmail._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Renvoyer les e-mails sélectionnés"))
    def resend(self, request, queryset):
        count = sum(outbox_resend(record=record) for record in queryset)
        self.message_user(request, _("%(count)s e-mail(s) remis en file.") % {"count": count}, messages.SUCCESS)


# --- django-axes' login journal -------------------------------------------
# Axes' admins browse by date (date_hierarchy), which MySQL/MariaDB computes
# with CONVERT_TZ(): without the server's time-zone tables (the default of a
# fresh MariaDB) that is NULL and the pages answer 500. Their date filter
# (list_filter on attempt_time) works on plain ranges, with or without the
# tables (docker-compose.yml and the README load them). Axes' admin module is
# imported first (INSTALLED_APPS order), so ours replaces it.
def _without_date_hierarchy(model_admin_class):
    return type(model_admin_class.__name__, (model_admin_class,), {"date_hierarchy": None, "__module__": __name__})


def _replace_axes_admins():
    from axes import admin as axes_admin
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model, model_admin in (
        (AccessAttempt, axes_admin.AccessAttemptAdmin),
        (AccessLog, axes_admin.AccessLogAdmin),
        (AccessFailureLog, axes_admin.AccessFailureLogAdmin),
    ):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
        admin.site.register(model, _without_date_hierarchy(model_admin))


_replace_axes_admins()
