"""The admin's "Historique" of a record (django-simple-history), read-only.

SIMPLE_HISTORY_REVERT_DISABLED only hides the revert button: the version
page still saves a POSTed form. Reverting would bypass the services (status
moves, prices, read-only invoices), so the version page refuses any POST."""

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
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

    def _check_ids(self, object_id, version_id=None):
        """The library looks the ids up unchecked: a malformed one (a mistyped
        UUID) would be a 500; it is a page that does not exist."""
        try:
            self.model._meta.pk.to_python(unquote(object_id))
            if version_id is not None:
                int(version_id)
        except (ValidationError, ValueError) as error:
            raise Http404 from error

    def history_view(self, request, object_id, extra_context=None):
        self._check_ids(object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied
        self._check_ids(object_id, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)
