"""Money in the back office: stored in cents, read and typed in euros.

A ModelAdmin (or inline) lists its cent fields in ``euro_fields``:

- an editable one becomes a euro form field ("12,50"), saved back in cents;
- a read-only one (and every one on a view-only page) shows "12,50 €";
- a list column shows "12,50 €" and still sorts by the stored amount.
"""

from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from core.templatetags.formatting import euros

CENT = Decimal("0.01")


def euro_column_name(name):
    return f"{name}_in_euros"


class EuroField(forms.DecimalField):
    """An amount in cents, shown and typed in euros with at most two decimals."""

    default_error_messages = {"invalid": _("Saisissez un montant en euros, par exemple 12,50.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", Decimal(0))
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)

    @staticmethod
    def to_euros(cents):
        return (Decimal(cents) / 100).quantize(CENT)

    def prepare_value(self, value):
        # The model gives cents (int); a re-shown form gives back what was typed (str).
        if isinstance(value, int):
            value = self.to_euros(value)
        return super().prepare_value(value)

    def clean(self, value):
        amount = super().clean(value)
        if amount is None:
            return None
        return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def has_changed(self, initial, data):
        try:
            typed = self.clean(data)
        except ValidationError:
            return True
        return typed != initial


class EuroAdminMixin:
    """Put before ``admin.ModelAdmin`` / ``admin.TabularInline`` in the bases."""

    euro_fields = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.euro_fields:
            field = self.model._meta.get_field(name)

            def show(obj, name=name):
                value = getattr(obj, name)
                return "—" if value is None else euros(value)

            setattr(self, euro_column_name(name),
                    admin.display(description=capfirst(field.verbose_name), ordering=name)(show))

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name not in self.euro_fields:
            return super().formfield_for_dbfield(db_field, request, **kwargs)
        return EuroField(
            label=f"{capfirst(db_field.verbose_name)} (€)", required=not db_field.blank,
            help_text=db_field.help_text, initial=db_field.default if db_field.has_default() else None,
        )

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields + [euro_column_name(name) for name in self.euro_fields if name in fields]

    def get_fieldsets(self, request, obj=None):
        readonly = set(self.get_readonly_fields(request, obj))
        view_only = not self.has_change_permission(request, obj)
        shown_in_euros = {name for name in self.euro_fields if view_only or name in readonly}

        def swap(names):
            swapped = []
            for name in names:
                if isinstance(name, (list, tuple)):
                    swapped.append(tuple(swap(name)))
                elif name in shown_in_euros:
                    swapped.append(euro_column_name(name))
                elif name not in {euro_column_name(n) for n in shown_in_euros}:
                    swapped.append(name)
            return swapped

        return [(title, {**options, "fields": swap(options["fields"])})
                for title, options in super().get_fieldsets(request, obj)]

    def get_list_display(self, request):
        editable = set(getattr(self, "list_editable", ()))
        return [euro_column_name(name) if name in self.euro_fields and name not in editable else name
                for name in super().get_list_display(request)]
