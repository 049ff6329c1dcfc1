"""Admin lists read on the replica (DATABASE_REPLICA_URL, core/db_router.py)."""

from .db_router import read_replica


class ReplicaListAdminMixin:
    """The changelist of an append-only log (audit log, events) read on the
    replica: the biggest tables, and a list that may miss its newest line for
    a second. Never for records staff change: they would not see their own
    change in the list they are sent back to.

    Only a GET: an action (a POST) reads and writes the primary. The response
    is rendered inside the block: the columns may still read (a related
    object, a display method) while the template renders.
    """

    def changelist_view(self, request, extra_context=None):
        if request.method != "GET":
            return super().changelist_view(request, extra_context)
        with read_replica():
            response = super().changelist_view(request, extra_context)
            if hasattr(response, "render"):
                response.render()
            return response
