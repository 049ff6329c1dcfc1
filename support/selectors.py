"""Reads shared by the support views; each costs a fixed number of queries."""

from datetime import timedelta

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.utils import timezone

from accounts.auth import users_version
from core import user_cache
from messaging.models import Message

from .models import CannedReply, Ticket, TicketEvent

S = Ticket.Status
# Staff queue tabs: key → label is in the view; the filter is here.
QUEUE_TABS = ("unassigned", "mine", "waiting", "breached", "open")
KPI_WINDOW = timedelta(days=30)
# The queue's tab counts and figures read every ticket; they are kept until a
# ticket changes, and at most this long: the clock alone makes tickets late.
DESK_CACHE_SECONDS = 60
_DESK = "support-desk"


def ticket_for_staff(*, number):
    """A ticket with what its staff page shows; raises Ticket.DoesNotExist."""
    return Ticket.objects.select_related("requester", "assigned_to", "order", "conversation").get(number=number)


def ticket_for_client(*, user, number):
    """The user's own ticket; raises Ticket.DoesNotExist for anyone else's."""
    return Ticket.objects.select_related("order", "conversation").get(number=number, requester=user)


def tickets_of_client(*, user):
    return Ticket.objects.filter(requester=user).only(
        "id", "number", "title", "status", "category", "created_at", "updated_at", "requester_id",
    ).order_by("-created_at")


def staff_queue(*, tab, user, now=None):
    """The tickets of a queue tab, sorted by the deadline the team faces
    (the most urgent first; those without a running clock last)."""
    now = now or timezone.now()
    tickets = Ticket.objects.select_related("assigned_to", "requester").only(
        "id", "number", "title", "status", "priority", "category", "sla_due_at", "sla_warn_at", "created_at",
        "visitor_name", "visitor_email", "requester_id", "assigned_to_id",
        "requester__first_name", "requester__last_name", "requester__email",
        "assigned_to__first_name", "assigned_to__last_name",
    )
    if tab == "unassigned":
        tickets = tickets.filter(status__in=Ticket.UNRESOLVED_STATUSES, assigned_to__isnull=True)
    elif tab == "mine":
        tickets = tickets.filter(status__in=Ticket.UNRESOLVED_STATUSES, assigned_to=user)
    elif tab == "waiting":
        tickets = tickets.filter(status=S.EN_ATTENTE)
    elif tab == "breached":
        tickets = tickets.filter(sla_due_at__lte=now)
    else:
        tickets = tickets.filter(status__in=Ticket.UNRESOLVED_STATUSES)
    return tickets.order_by(F("sla_due_at").asc(nulls_last=True), "created_at")


def queue_counts(*, user, now=None):
    """The number of tickets per tab, in one query."""
    now = now or timezone.now()
    unresolved = Q(status__in=Ticket.UNRESOLVED_STATUSES)
    return Ticket.objects.aggregate(
        unassigned=Count("pk", filter=unresolved & Q(assigned_to__isnull=True)),
        mine=Count("pk", filter=unresolved & Q(assigned_to=user)),
        waiting=Count("pk", filter=Q(status=S.EN_ATTENTE)),
        breached=Count("pk", filter=Q(sla_due_at__lte=now)),
        open=Count("pk", filter=unresolved),
    )


def desk_cached(name, *, user, compute):
    """``compute()`` for the staff member `user`, from the cache until a
    ticket is written (desk_changed), a user is (the names the rows show:
    accounts.auth.users_version), or DESK_CACHE_SECONDS have passed (the
    clock alone breaches deadlines)."""
    token = f"{user_cache.version(_DESK, 'all', timeout=DESK_CACHE_SECONDS)}-{users_version()}"
    return user_cache.cached(f"{_DESK}:{name}", user.pk, compute, timeout=DESK_CACHE_SECONDS, token=token)


def desk_figures(*, user, now):
    """queue_counts and support_kpis for the queue page, from the cache (desk_cached)."""
    return desk_cached("figures", user=user, compute=lambda: _desk_figures(user=user, now=now))


def _desk_figures(*, user, now):
    counts = queue_counts(user=user, now=now)
    return {"counts": counts, "kpis": support_kpis(now=now, open_count=counts["open"])}


def desk_changed(**_signal_kwargs):
    """A ticket was written: every staff member's queue figures are recomputed
    (signal receiver; bulk updates call it themselves)."""
    user_cache.invalidate(_DESK, ["all"])


def ticket_history(*, ticket):
    return list(TicketEvent.objects.filter(ticket=ticket).select_related("actor").only(
        "id", "kind", "from_value", "to_value", "note", "created_at", "ticket_id",
        "actor__first_name", "actor__last_name", "actor__role",
    ).order_by("created_at", "id"))


def canned_replies():
    return list(CannedReply.objects.filter(active=True).order_by("position", "title"))


def last_staff_message(*, ticket):
    return Message.objects.filter(conversation_id=ticket.conversation_id, sender__isnull=False).order_by("-id").first()


def _average(queryset, start_field, end_field):
    duration = ExpressionWrapper(F(end_field) - F(start_field), output_field=DurationField())
    return queryset.aggregate(value=Avg(duration))["value"]


def support_kpis(now=None, open_count=None):
    """The desk's figures for the queue page and the dashboard: open tickets;
    over the last 30 days, the average time to a first answer and to a
    resolution (the seed's AVG(TIMESTAMPDIFF(...))), and the share of
    tickets answered before their first-response deadline. ``open_count``:
    the open tickets when the caller has counted them already (queue_counts)."""
    now = now or timezone.now()
    recent = Ticket.objects.filter(created_at__gte=now - KPI_WINDOW)
    answered = recent.filter(first_response_at__isnull=False)
    # Counted: tickets answered, or whose deadline has passed unanswered;
    # spam and duplicates (ANNULE) left unanswered are not.
    judged = (Q(first_response_at__isnull=False) | Q(first_response_due_at__lte=now)) & ~Q(
        status=S.ANNULE, first_response_at__isnull=True)
    counts = recent.aggregate(
        total=Count("pk", filter=judged),
        on_time=Count("pk", filter=Q(first_response_at__lte=F("first_response_due_at"))),
    )
    return {
        "open": open_count if open_count is not None else (
            Ticket.objects.filter(status__in=Ticket.UNRESOLVED_STATUSES).count()),
        "first_response": _average(answered, "created_at", "first_response_at"),
        "resolution": _average(recent.filter(resolved_at__isnull=False), "created_at", "resolved_at"),
        "sla_compliance": round(100 * counts["on_time"] / counts["total"]) if counts["total"] else None,
    }
