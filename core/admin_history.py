"""The admin's "Historique" of a record (django-simple-history), read-only.

SIMPLE_HISTORY_REVERT_DISABLED only hides the revert button: the version
page still saves a POSTed form. Reverting would bypass the services (status
moves, prices, read-only invoices), so the version page refuses any POST."""

from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)
