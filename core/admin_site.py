from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class StakaAdminSite(AdminSite):
    site_header = _("Staka Livres — administration")
    site_title = _("Staka Livres")
    index_title = _("Back-office")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from . import admin_export

        self.add_action(admin_export.export_csv)
        self.add_action(admin_export.export_json)

    def get_urls(self):
        from django.urls import path

        from . import admin_export

        def export(request, app_label, model_name, fmt):
            return admin_export.export_changelist_view(self, request, app_label, model_name, fmt)

        return [
            path("<slug:app_label>/<slug:model_name>/exporter/<slug:fmt>/", self.admin_view(export), name="export"),
            *super().get_urls(),
        ]

    def login(self, request, extra_context=None):
        """One login page for everybody (rate-limited, lockout, French).

        A logged-in client or corrector who types /admin/ gets a 403 instead
        of the admin's login form."""
        if request.user.is_authenticated and not self.has_permission(request):
            raise PermissionDenied
        from django.contrib.auth.views import redirect_to_login  # needs the app registry

        next_url = request.GET.get("next") or reverse("admin:index")
        return redirect_to_login(next_url, reverse("accounts:login"))


class StakaAdminConfig(AdminConfig):
    default_site = "core.admin_site.StakaAdminSite"
