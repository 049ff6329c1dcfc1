"""The admin's "Historique" of a record (django-simple-history), read-only.

SIMPLE_HISTORY_REVERT_DISABLED only hides the revert button: the version
page still saves a POSTed form. Reverting would bypass the services (status
moves, prices, read-only invoices), so the version page refuses any POST."""

from django.core.exceptions import PermissionDenied
from django.urls import path
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    def get_urls(self):
        # The library's version URL has unnamed groups; named ones let the
        # access crawl (tests/security) reverse it like every admin URL.
        name = f"{self.model._meta.app_label}_{self.model._meta.model_name}_simple_history"
        version = path("<str:object_id>/history/<str:version_id>/",
                       self.admin_site.admin_view(self.history_form_view), name=name)
        return [version, *(url for url in super().get_urls() if getattr(url, "name", None) != name)]

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)
