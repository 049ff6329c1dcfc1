"""Reads shared by the order views; each returns a fixed number of queries."""

import hashlib

from django.core.cache import cache
from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    FloatField,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    UUIDField,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.auth import users_version
from accounts.models import User
from core import user_cache
from core.public_cache import PUBLIC_CACHE_SECONDS, public_cache_key, public_cache_version
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
def active_services():
    return Service.objects.filter(is_active=True).order_by("display_order", "name")


def standard_service():
    """The service the public texts quote ("2 € la page"): the first active
    per-page one, or None."""
    return active_services().filter(pricing=Service.Pricing.PER_PAGE).first()


def standard_prices():
    """The standard service's prices for the landing page, which queries
    nothing once cached (until a Service is saved: core.public_cache):
    {"price", "reduced_unit_price"} in cents, or None."""
    key = public_cache_key("orders.standard_prices")
    cached = cache.get(key)
    if cached is None:
        service = standard_service()
        cached = {"prices": service and {"price": service.price, "reduced_unit_price": service.reduced_unit_price}}
        cache.set(key, cached, PUBLIC_CACHE_SECONDS)
    return cached["prices"]


def order_for_user(*, user, pk):
    """The order if `user` may see it — its client, its corrector, staff — else 404."""
    queryset = Order.objects.select_related("service", "client", "corrector", "terms_revision")
    if not user.is_admin:
        queryset = queryset.filter(Q(client=user) | Q(corrector=user))
    try:
        return queryset.get(pk=pk)
    except (Order.DoesNotExist, ValueError):
        raise Http404 from None


# The order page's reads (the order with its people, its files, its history)
# are kept in the cache per order and viewer until the order, one of its files
# or one of its history lines is written (order_page_changed), a service is
# renamed (the public content version), a user is written (the names it shows:
# accounts.auth.users_version), or ORDER_PAGE_SECONDS have passed.
ORDER_PAGE = "order-page"
ORDER_PAGE_SECONDS = 60


def order_page_reads(*, user, pk):
    """{"order": order_for_user, "files": order_files, "events": order_timeline}:
    a 404 for whom order_for_user refuses, read afresh each time."""
    def compute():
        order = order_for_user(user=user, pk=pk)
        return {"order": order, "files": order_files(order=order, user=user),
                "events": order_timeline(order=order, user=user)}

    token = user_cache.version(ORDER_PAGE, pk, timeout=ORDER_PAGE_SECONDS)
    # Per viewer and role (what they may see), and language (the history's labels).
    viewer = f"{pk}:{user.pk}:{user.role}:{translation.get_language()}"
    return user_cache.cached(ORDER_PAGE, viewer, compute, timeout=ORDER_PAGE_SECONDS,
                             token=f"{token}-{public_cache_version()}-{users_version()}")


def order_page_changed(*, sender, instance, **_signal_kwargs):
    """An order, one of its files or history lines was written: its page is
    read afresh (signal receiver)."""
    order_id = instance.pk if sender is Order else instance.order_id
    if order_id is not None:
        user_cache.invalidate(ORDER_PAGE, [order_id])


def order_file_for_user(*, user, order_pk, file_pk):
    """The order and one of its files, if `user` may see both, else 404 (a
    corrected file not delivered yet is not the client's to see)."""
    order = order_for_user(user=user, pk=order_pk)
    try:
        return order, order_files_visible_to(order=order, user=user).get(pk=file_pk)
    except (StoredFile.DoesNotExist, ValueError):
        raise Http404 from None


# What a client reads or downloads of their order's files: corrected files
# appear at delivery. A file uploaded during the work (or after a revision
# request) stays with the corrector and staff until "Livrer au client"; one
# that went out with an earlier delivery stays visible. Usable on any
# StoredFile queryset (one subquery, no extra query per file).
DELIVERED_STATUSES = (S.LIVREE, S.TERMINE)


def delivered_to_client_q():
    delivered_after_upload = OrderEvent.objects.filter(
        order=OuterRef("order"), kind=OrderEvent.Kind.STATUS, to_status=S.LIVREE,
        created_at__gte=OuterRef("created_at"),
    )
    return (
        ~Q(role=StoredFile.Role.DELIVERABLE)
        | Q(order__status__in=DELIVERED_STATUSES)
        | Q(Exists(delivered_after_upload))
    )


def order_files_visible_to(*, order, user):
    """The order's alive files `user` may see: all of them for its corrector
    and staff, the delivered ones (and the manuscripts) for its client."""
    files = order.files.alive()
    if _sees_only_delivered(order=order, user=user):
        return files.filter(delivered_to_client_q())
    return files


def _sees_only_delivered(*, order, user):
    """The client (anyone but staff and the order's corrector) sees corrected files once delivered."""
    return not (user.is_admin or (order.corrector_id is not None and order.corrector_id == user.pk))


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


# "Mes projets" opened as it usually is (no filter, no search, first page):
# its status counts and first rows are kept in the cache until an order of
# the client is written (client_orders_changed) or a service renamed (the
# public content version), and for CLIENT_ORDERS_SECONDS at most (a bare
# UPDATE sends no signal). The page then reads no table.
CLIENT_ORDERS = "client-orders"
CLIENT_ORDERS_SECONDS = 300


def client_orders_first_page(*, user, per_page):
    """{"counts": status_counts_for_client, "orders": the first `per_page` of orders_for_client}."""
    def compute():
        return {"counts": status_counts_for_client(user=user),
                "orders": list(orders_for_client(user=user)[:per_page])}

    token = user_cache.version(CLIENT_ORDERS, user.pk, timeout=CLIENT_ORDERS_SECONDS)
    return user_cache.cached(CLIENT_ORDERS, user.pk, compute, timeout=CLIENT_ORDERS_SECONDS,
                             token=f"{token}-{per_page}-{public_cache_version()}")


def client_orders_changed(*, instance, **_signal_kwargs):
    """An order was written: its client's "Mes projets" is read afresh (signal receiver)."""
    user_cache.invalidate(CLIENT_ORDERS, [instance.client_id])


# The orders of the long lists, for their keyset pages (core.pagination): each
# ends with the primary key, so orders that tie are neither lost nor repeated.
# What a row of the corrector queue or the staff board shows (status label,
# pages, overdue mark, keyset cursor): an Order has some fifty columns, and
# building 75 whole rows cost more than rendering them.
ORDER_ROW_FIELDS = ("id", "title", "status", "payment_status", "corrector_id", "client_id", "service_id",
                    "due_date", "created_at", "priority", "urgent", "declared_pages", "verified_pages")
PERSON_FIELDS = ("id", "first_name", "last_name")


def _people(field):
    """prefetch_related of a user with the fields rows name them by."""
    return Prefetch(field, queryset=User.objects.only(*PERSON_FIELDS))


def _person_fields(prefix):
    return [f"{prefix}__{name}" for name in PERSON_FIELDS]


CORRECTOR_QUEUE_ORDER = ("due_date", "priority_rank", "created_at", "pk")
ORDER_LISTS_SECONDS = 60
_ORDER_LISTS = "order-lists"
OVERDUE_ORDER = ("due_date", "pk")
# Read one status at a time (core.pagination._first_rows): a range of
# orders_status_due_idx each, where status IN (…) sorted every overdue order.
OVERDUE_PARTITIONS = tuple(Q(status=status) for status in NOT_DELIVERED_YET)
AWAITING_ASSIGNMENT_ORDER = ("due_date", "priority_rank", "pk")
AWAITING_VERIFICATION_ORDER = ("created_at", "pk")


def corrector_queue(*, user):
    """Assigned work, soonest due first, then the most urgent."""
    return (
        Order.objects.filter(corrector=user, status__in=IN_CORRECTOR_QUEUE)
        .select_related("service", "client")
        .only(*ORDER_ROW_FIELDS, "service__id", "service__name", *_person_fields("client"))
        .annotate(priority_rank=PRIORITY_RANK)
        .order_by(*CORRECTOR_QUEUE_ORDER)
    )


def order_timeline(*, order, user):
    """The order's history, each line with its `label`; the team's back-office
    edits only for the team."""
    events = OrderEvent.objects.filter(order=order).select_related("actor").order_by("created_at", "id")
    if not user.is_admin:
        events = events.exclude(kind=OrderEvent.Kind.EDIT)
    if (_sees_only_delivered(order=order, user=user) and order.status not in DELIVERED_STATUSES
            and order.corrector_id is not None):
        # The corrector's uploads since the last delivery name files the client sees at the next one.
        undelivered = Q(kind=OrderEvent.Kind.FILE, actor_id=order.corrector_id)
        last_delivery = (OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.STATUS, to_status=S.LIVREE)
                         .order_by("-created_at").values_list("created_at", flat=True).first())
        if last_delivery is not None:
            undelivered &= Q(created_at__gt=last_delivery)
        events = events.exclude(undelivered)
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


def order_next_step(*, order, user):
    """What happens next, in one sentence for `user` ("" when nothing is
    pending): shown where the order page has no button for them."""
    is_client = order.client_id == user.pk
    if order.status == S.EN_ATTENTE_VERIFICATION:
        return _("Notre équipe vérifie le nombre de pages du manuscrit ; le devis définitif suivra.") if is_client \
            else _("Le nombre de pages est à vérifier avant l'envoi du devis.")
    # The client's quote and payment blocks say it themselves.
    if order.status == S.ESTIMATION_ENVOYEE:
        return "" if is_client else _("Le devis attend la réponse du client.")
    if order.status == S.EN_ATTENTE:
        return "" if is_client else _("La commande attend le paiement du client.")
    if order.status == S.PAYEE and order.corrector_id is None:
        return _("Nous désignons un correcteur ; vous serez prévenu dès qu'il commence.") if is_client \
            else _("La commande attend un correcteur.")
    if order.status == S.PAYEE:
        return _("Votre correcteur est désigné ; il vous préviendra en commençant la correction.") if is_client \
            else _("Le correcteur va commencer la correction.")
    if order.status == S.EN_COURS:
        return _("Votre correcteur travaille sur votre manuscrit ; vous serez prévenu à la livraison.") if is_client \
            else _("La correction est en cours.")
    if order.status == S.LIVREE:
        return _("La livraison attend la validation du client.")
    if order.status == S.SUSPENDUE:
        return _("La commande est suspendue ; l'équipe vous écrira pour la suite.")
    if order.status == S.TERMINE:
        return _("Commande terminée : vos fichiers corrigés restent téléchargeables ici.") if is_client \
            else _("Commande terminée.")
    return _("Commande annulée.")


def order_files(*, order, user):
    """The order's files `user` may see, split by role."""
    files = list(
        order_files_visible_to(order=order, user=user)
        .annotate(client_sees=ExpressionWrapper(delivered_to_client_q(), output_field=BooleanField()))
        .select_related("uploaded_by").order_by("created_at")
    )
    return {
        "manuscripts": [f for f in files if f.role == StoredFile.Role.MANUSCRIPT],
        "deliverables": [f for f in files if f.role == StoredFile.Role.DELIVERABLE],
    }


# The board's lists read the orders table through its indexes, then fetch the
# page's clients by primary key (prefetch_related): joined instead, MariaDB
# may start from the users table and sort the orders in a temporary table
# (the outer joins, service and corrector, cannot be read first).


def overdue_orders():
    return (
        Order.objects.filter(status__in=NOT_DELIVERED_YET, due_date__lt=timezone.localdate())
        .select_related("corrector").prefetch_related(_people("client"))
        .only(*ORDER_ROW_FIELDS, *_person_fields("corrector"))
        .order_by(*OVERDUE_ORDER)
    )


def orders_awaiting_assignment():
    return (
        Order.objects.filter(status=S.PAYEE, corrector__isnull=True)
        .only(*ORDER_ROW_FIELDS)
        .annotate(priority_rank=PRIORITY_RANK)
        .order_by(*AWAITING_ASSIGNMENT_ORDER)
    )


def orders_awaiting_verification():
    """Oldest first: the first to ask waits the longest."""
    return (
        Order.objects.filter(status=S.EN_ATTENTE_VERIFICATION)
        .prefetch_related(_people("client")).only(*ORDER_ROW_FIELDS)
        .order_by(*AWAITING_VERIFICATION_ORDER)
    )


def _ratings_of_corrector():
    return OrderRating.objects.filter(corrector=OuterRef("pk")).order_by().values("corrector")


def corrector_loads():
    """Every active corrector with the number of orders in hand, the next due
    date, the overdue ones, and the clients' ratings (average and count, as
    subqueries so they are not multiplied by a join), least loaded first.

    Two queries. The figures come from one grouped read of the orders in hand
    of these correctors, by their ids: a range of orders_corrector_queue_idx
    (corrector, status, due_date) read from the index alone. Counted through
    a join, MariaDB read every order ever assigned, finished ones included
    (158 700 index rows, 0.7 s at 200 000 orders; 42 700 and 0.07 s so)."""
    correctors = list(
        User.objects.filter(role=User.Role.CORRECTOR, is_active=True).annotate(
            rating_average=Subquery(
                _ratings_of_corrector().annotate(a=Avg("score")).values("a"), output_field=FloatField()
            ),
            rating_count=Coalesce(
                Subquery(_ratings_of_corrector().annotate(n=Count("pk")).values("n"), output_field=IntegerField()),
                Value(0),
            ),
        )
    )
    figures = _corrector_figures([corrector.pk for corrector in correctors]) if correctors else {}
    for corrector in correctors:
        row = figures.get(corrector.pk, {})
        corrector.load, corrector.next_due, corrector.overdue = (
            row.get("load", 0), row.get("next_due"), row.get("overdue", 0))
    return sorted(correctors, key=lambda corrector: (corrector.load, corrector.last_name.casefold()))


def _corrector_figures(corrector_ids):
    """{corrector id: load, next due date, overdue}, from the cache
    (order_lists_cached): the read is a range of the index over every order
    in hand, which grows with the workload."""
    def compute():
        return {
            row["corrector_id"]: row
            for row in Order.objects.filter(corrector_id__in=corrector_ids, status__in=IN_CORRECTOR_QUEUE)
            .order_by()
            .values("corrector_id")
            .annotate(
                load=Count("pk"),
                next_due=Min("due_date"),
                overdue=Count("pk", filter=Q(status__in=NOT_DELIVERED_YET, due_date__lt=timezone.localdate())),
            )
        }

    # Keyed by the correctors asked for too: one activated or deactivated reads afresh.
    key = hashlib.sha256(",".join(sorted(map(str, corrector_ids))).encode()).hexdigest()[:16]
    return order_lists_cached("loads", key, compute)


def order_lists_cached(name, key, compute):
    """``compute()`` from the cache until an order or a rating is written
    (order_lists_changed), a user is (accounts.auth.users_version), the day
    changes (overdue marks), a service is renamed (the public content
    version), or ORDER_LISTS_SECONDS have passed: the correctors' loads, and the staff board and a corrector's queue
    as usually opened (no cursor), which every order write may change."""
    version = user_cache.version(_ORDER_LISTS, "all", timeout=ORDER_LISTS_SECONDS)
    token = f"{version}-{timezone.localdate().isoformat()}-{public_cache_version()}-{users_version()}"
    return user_cache.cached(f"{_ORDER_LISTS}:{name}", key, compute, timeout=ORDER_LISTS_SECONDS, token=token)


def order_lists_changed(**_signal_kwargs):
    """An order or a rating was written: the shared order lists are read
    afresh (signal receiver)."""
    user_cache.invalidate(_ORDER_LISTS, ["all"])


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
        | (Q(role=StoredFile.Role.DELIVERABLE) & delivered_to_client_q())
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
