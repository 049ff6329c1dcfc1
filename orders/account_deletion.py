"""The orders part of an account's deletion (core.registry, asked by
accounts.services.user_anonymise): work in progress keeps the account; unpaid
orders are cancelled on the way; the team hears of a refused deletion."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.models import Notification
from notifications.services import notify

from . import services
from .models import Order


def _in_progress(user):
    """Paid (or free) orders not finished, as the client or as the corrector."""
    return (Order.objects.filter(Q(client=user) | Q(corrector=user), status__in=Order.ACTIVE_STATUSES)
            .order_by("created_at"))


def _unpaid(user):
    return Order.objects.filter(client=user, status__in=Order.AWAITING_STATUSES, paid_at__isnull=True).order_by("created_at")


def _line(order):
    return _("« %(title)s » (%(status)s)") % {"title": order.title, "status": order.status_label}


def deletion_blockers(user):
    return [_line(order) for order in _in_progress(user)]


def deletion_closes(user):
    return [_("« %(title)s » sera annulée") % {"title": order.title} for order in _unpaid(user)]


def deletion_close(user, by):
    """Cancel the unpaid orders through the service (history, announcements)."""
    for order in _unpaid(user):
        services.order_cancel(order=order, by=by, note=_("Compte supprimé"))


def deletion_refused(user, blockers):
    """Tell the team: the client asked to leave while work is in progress."""
    message = _("%(name)s (%(email)s) a demandé la suppression de son compte, refusée tant que ces commandes "
                "sont en cours : %(orders)s.") % {
        "name": user.get_full_name(), "email": user.email, "orders": " ; ".join(str(line) for line in blockers),
    }
    for member in User.objects.filter(role=User.Role.ADMIN, is_active=True):
        notify(user=member, type=Notification.Type.SYSTEM, title=_("Suppression de compte en attente"),
               message=message, action_url=reverse("admin:accounts_user_change", args=[user.pk]),
               priority=Notification.Priority.HAUTE)
