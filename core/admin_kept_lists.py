"""Admin lists the team opens all day (orders, messages, notifications, audit
log) kept drawn in the cache for a short while (issue 13).

A changelist of a big table is Django's admin at its costliest: the filters,
the actions, the sidebar and 25 rows through ``items_for_result`` take
10–20 ms of CPU per view, five times any other page. The page a staff member
gets is kept, drawn for them (their name, their permissions: the key holds
their id) with a placeholder where ``{% csrf_token %}`` writes the token
(core.fragments), for the exact query string, under a version of the model's
list that is renewed

- by any ``save()`` of the model (post_save: the admin's change form and the
  services), and by anything the team does in the admin on this list (an
  action, a deletion): what a staff member just did shows at once;
- for the names and services the rows show, by the versions of all users and
  of public content (accounts.auth.users_version, core.public_cache);
- at midnight (the date filters, "today").

A page with a message to show (after an action) is drawn afresh. What no save
announces — a bulk ``UPDATE`` or a deletion outside the admin (a notification
read, expired ones purged) — shows within ``KEPT_LIST_SECONDS``. Delete
signals are not used on purpose: a receiver would make Django load every row
of a purge to send them. A list read on the replica (ReplicaListAdminMixin)
that missed its newest line keeps missing it as long as it is kept.
"""

import hashlib

from django.contrib import messages
from django.core.cache import cache
from django.db.models.signals import post_save
from django.http import HttpResponse
from django.utils import timezone

from accounts.auth import users_version

from . import user_cache
from .fragments import CSRF_PLACEHOLDER, markup_key, with_csrf_token
from .public_cache import public_cache_version

KEPT_LIST_SECONDS = 30
_VERSIONS = "admin-list"


def _list_version(model):
    return user_cache.version(_VERSIONS, model._meta.label, timeout=KEPT_LIST_SECONDS)


def admin_list_changed(model):
    user_cache.invalidate(_VERSIONS, [model._meta.label])


class KeptChangelistAdminMixin:
    """Put before ``admin.ModelAdmin`` (and BigTableAdminMixin) in the bases."""

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        post_save.connect(self._saved, sender=model, weak=False, dispatch_uid=f"kept-admin-list:{model._meta.label}")

    def _saved(self, **_signal_kwargs):
        admin_list_changed(self.model)

    def changelist_view(self, request, extra_context=None):
        if request.method != "GET":  # an action, list_editable
            response = super().changelist_view(request, extra_context)
            admin_list_changed(self.model)
            return response
        if len(messages.get_messages(request)):  # len() reads them without marking them shown
            return super().changelist_view(request, extra_context)
        key = self._kept_key(request)
        markup = cache.get(key)
        if markup is None:
            response = super().changelist_view(request, {**(extra_context or {}), "csrf_token": CSRF_PLACEHOLDER})
            if response.status_code != 200 or not hasattr(response, "render"):
                return response  # a redirect (an unknown filter): nothing to keep
            markup = response.render().content.decode()
            cache.set(key, markup, KEPT_LIST_SECONDS)
        return HttpResponse(with_csrf_token(markup, request))

    def _kept_key(self, request):
        versions = f"{_list_version(self.model)}:{users_version()}:{public_cache_version(request)}"
        page = hashlib.blake2b(
            f"{request.get_full_path()}:{request.user.pk}:{markup_key()}:{timezone.localdate()}".encode(),
            digest_size=16).hexdigest()
        return f"kept-admin-list:{self.model._meta.label}:{versions}:{page}"

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        admin_list_changed(self.model)
