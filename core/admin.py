from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .admin_bigtable import BigTableAdminMixin
from .admin_kept_lists import KeptChangelistAdminMixin
from .admin_readonly import ReadOnlyAdminMixin
from .admin_replica import ReplicaListAdminMixin
from .audit import ACTION_LABELS, action_label, target_type_label
from .emails import outbox_resend
from .models import AuditLog, OutboxEmail, OutboxTask
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


class AuditActionFilter(admin.SimpleListFilter):
    """The known actions, in words (no scan of the table to list them)."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return sorted(ACTION_LABELS.items(), key=lambda item: str(item[1]))

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


class AuditTargetTypeFilter(admin.SimpleListFilter):
    title = _("type de cible")
    parameter_name = "target_type"

    def lookups(self, request, model_admin):
        # DISTINCT on the (target_type, target_id) index: a short walk.
        types = AuditLog.objects.order_by().values_list("target_type", flat=True).distinct()
        return [(t, target_type_label(t)) for t in types if t]

    def queryset(self, request, queryset):
        return queryset.filter(target_type=self.value()) if self.value() else queryset


@admin.register(AuditLog)
class AuditLogAdmin(ReplicaListAdminMixin, KeptChangelistAdminMixin, ReadOnlyAdminMixin, BigTableAdminMixin, admin.ModelAdmin):
    """Read by ADMIN staff (the only ones who enter the admin); nobody adds,
    changes or deletes an entry here: the change and delete URLs answer 403
    to a POST, the entry page is read-only."""

    list_display = ("timestamp", "actor_email", "action_display", "target_display", "severity", "ip_address")
    # A date range, not date_hierarchy: the latter needs MariaDB's time-zone
    # tables (see the axes admins below). The actor is found by searching
    # their e-mail: a list of every actor would scan the whole table.
    list_filter = ("severity", AuditActionFilter, AuditTargetTypeFilter, ("timestamp", admin.DateFieldListFilter))
    search_fields = ("=action", "=actor_email", "=target_id", "=ip_address")
    # The timestamp index serves it; no join (actor_email is the snapshot).
    ordering = ("-timestamp",)
    fields = ("timestamp", "actor", "actor_email", "action_display", "target_display", "severity", "ip_address",
              "user_agent", "details")
    readonly_fields = fields

    @admin.display(description=_("action"), ordering="action")
    def action_display(self, entry):
        return action_label(entry.action)

    @admin.display(description=_("cible"))
    def target_display(self, entry):
        if not entry.target_type:
            return "—"
        label = target_type_label(entry.target_type)
        return f"{label} {entry.target_id}" if entry.target_id else label


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
