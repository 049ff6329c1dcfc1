"""The support desk and the most active clients on the admin dashboard."""

from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.dashboard import (
    HOURS,
    PERCENT,
    Cell,
    Chart,
    Figure,
    Section,
    Series,
    Table,
    change_url,
    changelist_url,
    last_weeks,
    per_period,
)
from core.templatetags.formatting import integer
from messaging.models import Message
from orders.models import Order

from .models import Ticket
from .selectors import support_kpis

TOP_CLIENTS = 10


def _hours(duration):
    return None if duration is None else duration.total_seconds() / 3600


def support_section(*, now):
    kpis = support_kpis(now=now)
    breached = Ticket.objects.filter(sla_due_at__lte=now).count()
    weeks = last_weeks(now)
    since = weeks[0][1]
    chart = Chart(
        title=_("Tickets ouverts et fermés par semaine"), x_label=_("Semaine (lundi)"), y_label=_("Tickets"),
        labels=[label for label, _start, _end in weeks],
        series=[
            Series(_("Ouverts"), per_period(Ticket.objects.filter(created_at__gte=since), weeks, "created_at")),
            Series(_("Fermés"), per_period(Ticket.objects.filter(closed_at__gte=since), weeks, "closed_at")),
        ],
    )
    return Section(title=_("Support"), charts=[chart], figures=[
        Figure(_("Tickets non résolus"), kpis["open"],
               url=changelist_url(Ticket, status__in=",".join(Ticket.UNRESOLVED_STATUSES))),
        Figure(_("Tickets hors délai (SLA dépassé)"), breached, url=changelist_url(Ticket, sla_due_at__lte=now)),
        Figure(_("Première réponse, délai moyen (30 jours)"), _hours(kpis["first_response"]), HOURS),
        Figure(_("Résolution, délai moyen (30 jours)"), _hours(kpis["resolution"]), HOURS),
        Figure(_("Premières réponses dans les délais (30 jours)"), kpis["sla_compliance"], PERCENT),
    ])


def _count_of(queryset, column):
    """A correlated COUNT per client: subqueries, not joins, so the three
    counts do not multiply each other."""
    counts = queryset.filter(**{column: OuterRef("pk")}).order_by().values(column).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def most_active_clients(limit=TOP_CLIENTS):
    return list(
        User.objects.filter(role=User.Role.USER)
        .annotate(
            order_count=_count_of(Order.objects.all(), "client"),
            message_count=_count_of(Message.objects.exclude(status=Message.Status.BROUILLON), "sender"),
            ticket_count=_count_of(Ticket.objects.all(), "requester"),
        )
        .annotate(activity=F("order_count") + F("message_count") + F("ticket_count"))
        .filter(activity__gt=0)
        .only("id", "email", "first_name", "last_name")
        .order_by("-activity", "last_name", "email")[:limit]
    )


def top_clients_section(*, now):
    rows = [
        [
            Cell(client.get_full_name() or client.email, change_url(client)),
            Cell(integer(client.order_count), changelist_url(Order, client=client.pk)),
            Cell(integer(client.message_count), changelist_url(Message, sender=client.pk)),
            Cell(integer(client.ticket_count), changelist_url(Ticket, requester=client.pk)),
        ]
        for client in most_active_clients()
    ]
    return Section(title=_("Clients les plus actifs"), tables=[Table(
        title=_("Les %(count)s clients les plus actifs") % {"count": TOP_CLIENTS},
        columns=[_("Client"), _("Commandes"), _("Messages"), _("Tickets")], rows=rows,
    )])
