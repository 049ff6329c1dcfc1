"""Bulk admin actions that run a domain service per object and say what they
did and what they refused (and why), in French."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def admin_apply(request, queryset, act, *, done):
    """Call ``act(obj)`` for each object; a ValidationError refuses that one
    and the others go on. ``done(count)``: the message for those it did."""
    count, refused = 0, []
    for obj in queryset:
        try:
            act(obj)
        except ValidationError as error:
            refused.append(f"{obj} : {' '.join(error.messages)}")
        else:
            count += 1
    if count:
        messages.success(request, done(count))
    if refused:
        messages.error(request, ngettext(
            "%(count)s refusé : %(reasons)s", "%(count)s refusés : %(reasons)s", len(refused),
        ) % {"count": len(refused), "reasons": " ; ".join(refused)})
    if not count and not refused:
        messages.warning(request, _("Aucun élément sélectionné ne s'y prête."))
    return count, refused
