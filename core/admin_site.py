from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from .dashboard import cached_dashboard


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
            path("tableau-de-bord/recalculer/", self.admin_view(self.dashboard_refresh), name="dashboard_refresh"),
            *super().get_urls(),
        ]

    def get_app_list(self, request, app_label=None):
        """Computed when a template reads it: the navigation sidebar reads
        its cached copy instead (core.templatetags.admin_nav)."""
        return SimpleLazyObject(lambda: super(StakaAdminSite, self).get_app_list(request, app_label))

    def index(self, request, extra_context=None):
        """The back office's home: the dashboard's figures (computed at most
        ADMIN_DASHBOARD_CACHE_SECONDS ago, and the page says when), then the apps."""
        figures = cached_dashboard()
        context = {
            "dashboard_sections": figures.sections,
            "dashboard_version": figures.version,
            "generated_at": timezone.localtime(figures.computed_at),
            "dashboard_cache_seconds": settings.ADMIN_DASHBOARD_CACHE_SECONDS,
        }
        return super().index(request, extra_context={**context, **(extra_context or {})})

    def dashboard_refresh(self, request):
        """"Recalculer": the figures computed now, then back to the dashboard."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        cached_dashboard(refresh=True)
        return HttpResponseRedirect(reverse("admin:index"))

    def login(self, request, extra_context=None):
        """One login page for everybody (rate-limited, lockout, French).

        A logged-in client or corrector who types /admin/ gets a 403 instead
        of the admin's login form."""
        if request.user.is_authenticated and not self.has_permission(request):
            raise PermissionDenied
        from django.contrib.auth.views import redirect_to_login  # needs the app registry

        next_url = request.GET.get("next") or reverse("admin:index")
        return redirect_to_login(next_url, reverse("accounts:login"))

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every ModelAdmin audits its saves and deletes (core.admin_audit)."""
        from django.contrib.admin import ModelAdmin

        from .admin_audit import audited

        super().register(model_or_iterable, audited(admin_class or ModelAdmin), **options)


class StakaAdminConfig(AdminConfig):
    default_site = "core.admin_site.StakaAdminSite"
