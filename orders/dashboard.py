"""The orders' figures on the admin dashboard: a fixed number of aggregate
queries, whatever the number of orders."""

from datetime import timedelta

from django.db.models import Avg, Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.dashboard import (
    EUROS,
    PERCENT,
    Chart,
    Figure,
    Section,
    Series,
    changelist_url,
    count_per_period_by,
    last_months,
    percent,
)

from .models import Order
from .selectors import NOT_DELIVERED_YET, orders_awaiting_assignment, overdue_orders

CONVERSION_WINDOW = timedelta(days=30)


def orders_section(*, now):
    by_status = dict(Order.objects.order_by().values_list("status").annotate(n=Count("pk")))
    today = timezone.localdate(now)
    average = Order.objects.filter(payment_status=Order.PaymentStatus.SUCCEEDED).aggregate(v=Avg("amount"))["v"]
    figures = [
        Figure(_("Commandes en retard"), overdue_orders().order_by().count(),
               url=changelist_url(Order, status__in=",".join(NOT_DELIVERED_YET), due_date__lt=today.isoformat())),
        Figure(_("En attente d'un correcteur"), orders_awaiting_assignment().order_by().count(),
               url=changelist_url(Order, status__exact=Order.Status.PAYEE, corrector__isnull="True")),
        Figure(_("Panier moyen (commandes payées)"), round(average) if average is not None else None, EUROS,
               url=changelist_url(Order, payment_status__exact=Order.PaymentStatus.SUCCEEDED)),
        *_conversion(now),
    ] + [
        Figure(label, by_status.get(status, 0), url=changelist_url(Order, status__exact=status))
        for status, label in Order.Status.choices
    ]
    return Section(title=_("Commandes"), figures=figures, charts=[_orders_per_month(now)])


def _conversion(now):
    """The seed's conversion rate: of the clients registered in the last 30
    days, the share who placed an order (staff and correctors left out)."""
    since = now - CONVERSION_WINDOW
    counts = User.objects.filter(role=User.Role.USER, created_at__gte=since).aggregate(
        registered=Count("pk"),
        ordered=Count("pk", filter=Q(Exists(Order.objects.filter(client=OuterRef("pk"))))),
    )
    return [
        Figure(_("Clients inscrits depuis 30 jours"), counts["registered"],
               url=changelist_url(User, role__exact=User.Role.USER, created_at__gte=since)),
        Figure(_("Taux de conversion sur 30 jours"), percent(counts["ordered"], counts["registered"]), PERCENT),
    ]


def _orders_per_month(now):
    """Orders created per month over 12 months, stacked by their current
    status: one grouped query with a count per month."""
    months = last_months(now)
    counts = count_per_period_by(Order.objects.filter(created_at__gte=months[0][1]), months, "created_at", "status")
    return Chart(
        title=_("Commandes par mois et par statut"), x_label=_("Mois de création"), y_label=_("Commandes"),
        labels=[label for label, _start, _end in months],
        series=[Series(label, counts[status]) for status, label in Order.Status.choices if status in counts],
        stacked=True,
    )
