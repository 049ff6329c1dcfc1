from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.utils.translation import gettext_lazy as _

from . import services
from .models import User


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "role")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserCreationForm
    list_display = ("email", "first_name", "last_name", "role", "is_active", "email_verified_at", "created_at")
    list_filter = ("role", "is_active")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("-created_at",)
    show_full_result_count = False  # no COUNT(*) over the whole table
    readonly_fields = (
        "is_staff", "email_verified_at", "consent_at", "deactivated_at", "anonymised_at",
        "last_login", "created_at", "updated_at",
    )
    # The password hash is never shown; "changer le mot de passe" is a link.
    fieldsets = (
        (None, {"fields": ("email", "role", "is_active", "is_staff", "is_superuser")}),
        (_("Identité"), {"fields": ("first_name", "last_name", "phone", "address", "bio", "avatar")}),
        (_("Préférences"), {"fields": ("preferences",)}),
        (_("Dates"), {"fields": ("email_verified_at", "consent_at", "deactivated_at", "anonymised_at", "last_login", "created_at", "updated_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "first_name", "last_name", "role", "password1", "password2")}),
    )
    filter_horizontal = ()
    actions = ["deactivate_users", "anonymise_users"]

    @admin.action(description=_("Désactiver les comptes sélectionnés"))
    def deactivate_users(self, request, queryset):
        for user in queryset.filter(is_active=True):
            services.user_deactivate(user=user, by=request.user)
        messages.success(request, _("Comptes désactivés."))

    @admin.action(description=_("Anonymiser (RGPD) les comptes sélectionnés"))
    def anonymise_users(self, request, queryset):
        for user in queryset.filter(anonymised_at__isnull=True).exclude(pk=request.user.pk):
            services.user_anonymise(user=user, by=request.user)
        messages.success(request, _("Comptes anonymisés ; les factures sont conservées."))
