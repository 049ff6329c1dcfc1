"""Every change made through the admin is audited with its before/after
values (LogEntry keeps only the names of the changed fields).

StakaAdminSite.register() mixes AuditedAdminMixin into every ModelAdmin, so
no app's admin.py has to remember it. The admin's add, change and delete
views run in a transaction: the entry commits with the change.
"""

from django import forms
from django.db import models, transaction
from django.db.models.fields.files import FieldFile

from .audit import Severity, audit_record

REDACTED = "***"


def _is_secret(name):
    return "password" in name or "token" in name or "secret" in name


def _jsonable(value):
    if isinstance(value, models.Model):
        return {"id": str(value.pk), "label": str(value)}
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, models.QuerySet | list | tuple | set):
        return [_jsonable(item) for item in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)  # dates, decimals, UUIDs, lazy strings: as the form shows them


def form_changes(form):
    """{field: {"before": ..., "after": ...}} for each changed field of a bound form."""
    changes = {}
    for name in form.changed_data:
        if _is_secret(name):
            changes[name] = {"before": REDACTED, "after": REDACTED}
            continue
        field = form.fields[name]
        before = form.get_initial_for_field(field, name)
        if isinstance(field, forms.ModelChoiceField) and before:
            before = _initial_objects(field, before)
        before, after = _jsonable(before), _jsonable(form.cleaned_data.get(name))
        if before != after:  # a form may call a field changed that reads the same (a JSON text)
            changes[name] = {"before": before, "after": after}
    return changes


def _initial_objects(field, initial):
    """A relation's initial value is a pk (or a list of pks): show it as the after value is shown."""
    pks = initial if isinstance(initial, list | tuple) else [initial]
    pks = [getattr(pk, "pk", pk) for pk in pks]
    found = list(field.queryset.model._default_manager.filter(pk__in=pks))
    return found if isinstance(initial, list | tuple) else (found[0] if found else initial)


class AuditedAdminMixin:
    def save_model(self, request, obj, form, change):
        changes = form_changes(form) if change else {}
        super().save_model(request, obj, form, change)
        if change and not changes:
            return
        audit_record(
            action="admin.change" if change else "admin.add", request=request, target=obj,
            severity=Severity.MEDIUM, details={"object": str(obj), "changes": changes},
        )

    def delete_model(self, request, obj):
        target_type, target_id, label = obj._meta.label_lower, str(obj.pk), str(obj)
        super().delete_model(request, obj)
        audit_record(
            action="admin.delete", request=request, target_type=target_type, target_id=target_id,
            severity=Severity.HIGH, details={"object": label},
        )

    def delete_queryset(self, request, queryset):
        # The "delete selected" action: one entry per object, all or nothing.
        with transaction.atomic():
            doomed = [(obj._meta.label_lower, str(obj.pk), str(obj)) for obj in queryset]
            super().delete_queryset(request, queryset)
            for target_type, target_id, label in doomed:
                audit_record(
                    action="admin.delete", request=request, target_type=target_type, target_id=target_id,
                    severity=Severity.HIGH, details={"object": label},
                )


def audited(admin_class):
    """admin_class with AuditedAdminMixin mixed in (once)."""
    if issubclass(admin_class, AuditedAdminMixin):
        return admin_class
    return type(admin_class.__name__, (AuditedAdminMixin, admin_class), {"__module__": admin_class.__module__})
