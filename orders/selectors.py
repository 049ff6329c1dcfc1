"""Reads shared by the order views; each returns a fixed number of queries."""

from django.core.cache import cache
from django.db import transaction
from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    Exists,
    FloatField,
    IntegerField,
    Min,
    OuterRef,
    Q,
    Subquery,
    UUIDField,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from files.models import StoredFile
from messaging.selectors import attachments_readable_by

from .models import Order, OrderEvent, OrderRating, Service

S = Order.Status

CLIENT_FILTERS = {
    "active": Order.ACTIVE_STATUSES,
    "awaiting": Order.AWAITING_STATUSES,
    "finished": Order.FINAL_STATUSES,
}
PRIORITY_RANK = Case(
    When(priority=Order.Priority.URGENTE, then=Value(0)),
    When(priority=Order.Priority.HAUTE, then=Value(1)),
    When(priority=Order.Priority.NORMALE, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)
IN_CORRECTOR_QUEUE = (S.PAYEE, S.EN_COURS, S.LIVREE, S.SUSPENDUE)
NOT_DELIVERED_YET = (S.PAYEE, S.EN_COURS)
# The client sees the corrected files once they are delivered, not while the
# corrector is still working on them.
CLIENT_SEES_DELIVERABLES = (S.LIVREE, S.TERMINE)


def active_services():
    return Service.objects.filter(is_active=True).order_by("display_order", "name")


def standard_service():
    """The service the public texts quote ("2 € la page"): the first active
    per-page one, or None."""
    return active_services().filter(pricing=Service.Pricing.PER_PAGE).first()


STANDARD_PRICES_KEY = "orders:standard-prices"
STANDARD_PRICES_TTL = 300  # a backstop: any Service save or delete clears it at once


def standard_prices():
    """The standard service's prices for the landing page, which queries
    nothing once cached: {"price", "reduced_unit_price"} in cents, or None."""
    cached = cache.get(STANDARD_PRICES_KEY)
    if cached is None:
        service = standard_service()
        cached = {"prices": service and {"price": service.price, "reduced_unit_price": service.reduced_unit_price}}
        cache.set(STANDARD_PRICES_KEY, cached, STANDARD_PRICES_TTL)
    return cached["prices"]


def standard_prices_forget(**_kwargs):
    """Connected to Service saves and deletes (orders.apps): the next page
    reads the new prices, once the change is committed."""
    transaction.on_commit(lambda: cache.delete(STANDARD_PRICES_KEY))


def order_for_user(*, user, pk):
    """The order if `user` may see it — its client, its corrector, staff — else 404."""
    queryset = Order.objects.select_related("service", "client", "corrector")
    if not user.is_admin:
        queryset = queryset.filter(Q(client=user) | Q(corrector=user))
    try:
        return queryset.get(pk=pk)
    except (Order.DoesNotExist, ValueError):
        raise Http404 from None


def order_file_for_user(*, user, order_pk, file_pk):
    order = order_for_user(user=user, pk=order_pk)
    try:
        return order, order.files.alive().get(pk=file_pk)
    except (StoredFile.DoesNotExist, ValueError):
        raise Http404 from None


def orders_for_client(*, user, status_filter="all", search=""):
    queryset = Order.objects.filter(client=user).select_related("service")
    if status_filter in CLIENT_FILTERS:
        queryset = queryset.filter(status__in=CLIENT_FILTERS[status_filter])
    if search:
        queryset = queryset.filter(title__icontains=search)
    return queryset.order_by("-created_at")


def status_counts_for_client(*, user):
    counts = dict(Order.objects.filter(client=user).values_list("status").annotate(n=Count("pk")))
    summary = {name: sum(counts.get(status, 0) for status in statuses) for name, statuses in CLIENT_FILTERS.items()}
    summary["all"] = sum(counts.values())
    return summary


def corrector_queue(*, user):
    """Assigned work, soonest due first, then the most urgent."""
    return (
        Order.objects.filter(corrector=user, status__in=IN_CORRECTOR_QUEUE)
        .select_related("service", "client")
        .annotate(priority_rank=PRIORITY_RANK)
        .order_by("due_date", "priority_rank", "created_at")
    )


def order_timeline(*, order, user):
    """The order's history, each line with its `label`; the team's back-office
    edits only for the team."""
    events = OrderEvent.objects.filter(order=order).select_related("actor").order_by("created_at", "id")
    if not user.is_admin:
        events = events.exclude(kind=OrderEvent.Kind.EDIT)
    free = order.payment_status == Order.PAYMENT_STATUS_FREE
    events = list(events)
    for event in events:
        event.label = _event_label(event, free=free)
    return events


def _event_label(event, *, free):
    """What a line of the history says. A 0 € order never awaited a payment
    nor was "payée": its lines say what happened instead."""
    if event.kind not in (OrderEvent.Kind.CREATED, OrderEvent.Kind.STATUS):
        return event.get_kind_display()
    if free and event.to_status == S.EN_ATTENTE:
        return _("Commande enregistrée") if event.kind == OrderEvent.Kind.CREATED else _("Devis accepté")
    if free and event.to_status == S.PAYEE:
        return _("Offerte, en attente d'un correcteur")
    return event.get_to_status_display()


def order_files(*, order):
    """Alive files of the order, split by role."""
    files = list(order.files.alive().select_related("uploaded_by").order_by("created_at"))
    return {
        "manuscripts": [f for f in files if f.role == StoredFile.Role.MANUSCRIPT],
        "deliverables": [f for f in files if f.role == StoredFile.Role.DELIVERABLE],
    }


def overdue_orders():
    return (
        Order.objects.filter(status__in=NOT_DELIVERED_YET, due_date__lt=timezone.localdate())
        .select_related("client", "corrector", "service")
        .order_by("due_date")
    )


def orders_awaiting_assignment():
    return (
        Order.objects.filter(status=S.PAYEE, corrector__isnull=True)
        .select_related("client", "service")
        .annotate(priority_rank=PRIORITY_RANK)
        .order_by("due_date", "priority_rank")
    )


def orders_awaiting_verification():
    return Order.objects.filter(status=S.EN_ATTENTE_VERIFICATION).select_related("client", "service")


def _ratings_of_corrector():
    return OrderRating.objects.filter(corrector=OuterRef("pk")).order_by().values("corrector")


def corrector_loads():
    """Every active corrector with the number of orders in hand, the next due
    date, and the clients' ratings (average and count, as subqueries so they
    are not multiplied by the orders' join)."""
    in_hand = Q(assigned_orders__status__in=IN_CORRECTOR_QUEUE)
    return (
        User.objects.filter(role=User.Role.CORRECTOR, is_active=True)
        .annotate(
            load=Count("assigned_orders", filter=in_hand),
            next_due=Min("assigned_orders__due_date", filter=in_hand),
            overdue=Count(
                "assigned_orders",
                filter=Q(assigned_orders__status__in=NOT_DELIVERED_YET, assigned_orders__due_date__lt=timezone.localdate()),
            ),
            rating_average=Subquery(
                _ratings_of_corrector().annotate(a=Avg("score")).values("a"), output_field=FloatField()
            ),
            rating_count=Coalesce(
                Subquery(_ratings_of_corrector().annotate(n=Count("pk")).values("n"), output_field=IntegerField()),
                Value(0),
            ),
        )
        .order_by("load", "last_name")
    )


def order_rating(*, order):
    """The client's rating of `order`, or None."""
    return OrderRating.objects.filter(order=order).first()


def client_files(*, user, search=""):
    """Every file of the client, across orders and conversations, newest
    first: their manuscripts, the corrected files once delivered, and the
    attachments of the messages they can read. Each row says how it is
    reached: `via_order` (the order's download, with `order`) or
    `attachment_id` (the message attachment's download, with
    `conversation_id` and `conversation_subject`). One query per page, plus
    the paginator's count."""
    readable = attachments_readable_by(user=user).filter(stored_file=OuterRef("pk")).order_by("pk")
    of_order = Q(order__client=user) & (
        Q(role=StoredFile.Role.MANUSCRIPT)
        | Q(role=StoredFile.Role.DELIVERABLE, order__status__in=CLIENT_SEES_DELIVERABLES)
    )
    queryset = (
        StoredFile.objects.alive()
        .filter(of_order | Exists(readable))
        .annotate(
            via_order=Case(When(of_order, then=Value(True)), default=Value(False), output_field=BooleanField()),
            attachment_id=Subquery(readable.values("pk")[:1]),
            conversation_id=Subquery(readable.values("message__conversation_id")[:1], output_field=UUIDField()),
            conversation_subject=Subquery(readable.values("message__conversation__subject")[:1]),
        )
        .select_related("order")
        .only("id", "original_name", "size", "role", "created_at", "content_purged_at", "deleted_at",
              "order__id", "order__title")
    )
    search = (search or "").strip()
    if search:
        queryset = queryset.filter(original_name__icontains=search)
    return queryset.order_by("-created_at", "-pk")
