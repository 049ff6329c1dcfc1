from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_actions import admin_apply
from core.admin_history import HistoryAdmin
from core.admin_links import RelatedLinksAdminMixin

from . import services
from .models import User


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "role")


class UserChangeForm(DjangoUserChangeForm):
    """Refuses, with the services' French message, what would leave the back
    office without an active admin or let an admin remove their own powers."""

    acting_user = None  # set by UserAdmin.get_form

    class Meta(DjangoUserChangeForm.Meta):
        model = User
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            return cleaned
        checks = []
        if "role" in self.changed_data and cleaned.get("role") != User.Role.ADMIN:
            checks.append(("role", "demote"))
        if "is_active" in self.changed_data and not cleaned.get("is_active", True):
            checks.append(("is_active", "deactivate"))
        for field, action in checks:
            try:
                services.user_check_admin_change(user=self.instance, by=self.acting_user, action=action)
            except ValidationError as error:
                self.add_error(field, error)
        return cleaned


@admin.register(User)
class UserAdmin(RelatedLinksAdminMixin, HistoryAdmin, DjangoUserAdmin):
    add_form = UserCreationForm
    form = UserChangeForm
    list_display = ("email", "first_name", "last_name", "role", "is_active", "email_verified_at", "created_at")
    list_filter = ("role", "is_active")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("-created_at",)
    show_full_result_count = False  # no COUNT(*) over the whole table
    readonly_fields = (
        "is_staff", "is_superuser", "email_verified_at", "consent_at", "deactivated_at", "anonymised_at",
        "last_login", "created_at", "updated_at",
    )
    # The password hash is never shown; "changer le mot de passe" is a link.
    fieldsets = (
        (None, {"fields": ("email", "role", "is_active", "is_staff", "is_superuser")}),
        (_("Éléments liés"), {"fields": ("related_links",)}),
        (_("Identité"), {"fields": ("first_name", "last_name", "phone", "bio", "avatar")}),
        (_("Adresse de facturation"), {"fields": ("company", "address", "postcode", "city", "country", "vat_number")}),
        (_("Préférences"), {"fields": ("preferences",)}),
        (_("Dates"), {"fields": ("email_verified_at", "consent_at", "deactivated_at", "anonymised_at", "last_login", "created_at", "updated_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "first_name", "last_name", "role", "password1", "password2")}),
    )
    filter_horizontal = ()
    actions = ["deactivate_users", "anonymise_users"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            return form
        return type(form.__name__, (form,), {"acting_user": request.user})

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        services.user_admin_save(user=obj, by=request.user, changed_fields=set(form.changed_data), request=request)

    def get_actions(self, request):
        # A bulk delete would skip the last-admin rule (and the RGPD path).
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        if obj is None:
            return True
        try:
            services.user_check_admin_change(user=obj, by=request.user, action="delete")
        except ValidationError:
            return False
        return True

    def delete_model(self, request, obj):
        services.user_admin_delete(user=obj, by=request.user)

    @admin.action(description=_("Désactiver les comptes sélectionnés"))
    def deactivate_users(self, request, queryset):
        admin_apply(request, queryset.filter(is_active=True),
                    lambda user: services.user_deactivate(user=user, by=request.user, request=request),
                    done=lambda n: ngettext("%(n)s compte désactivé.", "%(n)s comptes désactivés.", n) % {"n": n})

    @admin.action(description=_("Anonymiser (RGPD) les comptes sélectionnés"))
    def anonymise_users(self, request, queryset):
        admin_apply(request, queryset.filter(anonymised_at__isnull=True),
                    lambda user: services.user_anonymise(user=user, by=request.user, request=request),
                    done=lambda n: ngettext("%(n)s compte anonymisé ; ses factures sont conservées.",
                                           "%(n)s comptes anonymisés ; leurs factures sont conservées.", n) % {"n": n})
