"""Realistic data at volume for benchmarks (manage.py generate_fake_data).

The rows look like what the services write (denormalised pointers, read
markers, dates that follow the order workflow, invoices built by
billing.invoicing's own snapshot and line helpers), but they are inserted in
batches (ops.bulk: bulk_create without its slow query compiler), one
transaction per batch, without services, signals or a query per row:
millions of rows in minutes. What that skips, on purpose:

- no django-simple-history rows (bulk inserts do not write them): the
  "Historique" page of a fake order, user, ticket or invoice is empty;
- no e-mails, notifications or outbox tasks about the fake rows;
- no bytes in the storage: StoredFile rows are metadata only, under a
  ``fake/`` key and with ``content_purged_at`` set, the mark every download
  path already honours ("contenu archivé, plus téléchargeable");
- no Payment rows: an invoice's ``payment`` is empty (as for imported ones).

Every fake account logs in with the password FAKE_PASSWORD (one hash,
computed once). A run only builds on its own rows, so runs add up: the
e-mails carry the run number (``client-<run>-<n>@example.test``), invoice
numbers their own ``FAKE-<run>-`` series, ticket numbers come from the real
counter (advanced once per run).
"""

import hashlib
import io
import random
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Max, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from billing import invoicing
from billing.models import Invoice
from core.audit import ACTION_LABELS
from core.models import AuditLog
from files.models import StoredFile
from files.validation import DOCX, JPEG, ODT, PDF, PNG, RTF
from messaging.models import Conversation, Message, MessageAttachment, Participant
from notifications.models import NOTIFICATION_LIFETIME, Notification
from ops import fake_words as words
from ops.bulk import insert_objects, insert_rows, reserve_ids
from ops.progress import format_count, format_duration, progress
from orders import pricing
from orders.defaults import load_default_services
from orders.models import Order, OrderEvent, Service
from support import sla
from support.models import Ticket, TicketEvent, TicketNumber

FAKE_PASSWORD = "fake-data-123"
EMAIL_DOMAIN = "example.test"
INVOICE_PREFIX = "FAKE"

# Issue 13's full volume; --scale multiplies it (0.01 = the small set).
DEFAULT_VOLUME = {
    "clients": 20_000, "correctors": 50, "staff": 5, "orders": 200_000, "conversations": 200_000,
    "messages": 2_000_000, "notifications": 1_000_000, "files": 400_000, "invoices": 150_000,
    "tickets": 20_000, "audit": 1_000_000,
}

# The share of each order status (quotas, not draws: every status is present
# from 9 orders on). ~77 % of orders are paid, so --invoices 150 000 finds
# enough of the 200 000 orders.
S = Order.Status
STATUS_SHARES = (
    (S.TERMINE, 58), (S.EN_COURS, 12), (S.EN_ATTENTE, 9), (S.ANNULEE, 5), (S.LIVREE, 4), (S.PAYEE, 4),
    (S.EN_ATTENTE_VERIFICATION, 3), (S.ESTIMATION_ENVOYEE, 3), (S.SUSPENDUE, 2),
)
PAID_STATUSES = (S.PAYEE, S.EN_COURS, S.LIVREE, S.TERMINE)
WITH_CORRECTOR = (S.PAYEE, S.EN_COURS, S.LIVREE, S.TERMINE)
# The status each one comes from, for the order's history line.
PREVIOUS_STATUS = {
    S.ESTIMATION_ENVOYEE: S.EN_ATTENTE_VERIFICATION, S.PAYEE: S.EN_ATTENTE, S.EN_COURS: S.PAYEE,
    S.LIVREE: S.EN_COURS, S.TERMINE: S.LIVREE, S.ANNULEE: S.EN_ATTENTE,
}
# Share of paid-path orders that are free (10 pages or fewer): no payment, no invoice.
FREE_SHARE = 0.02

T = Ticket.Status
TICKET_STATUS_SHARES = ((T.FERME, 35), (T.RESOLU, 20), (T.OUVERT, 15), (T.EN_COURS, 15), (T.EN_ATTENTE, 10),
                        (T.ANNULE, 5))
VISITOR_TICKET_SHARE = 0.1

AUDIT_ACTIONS = (  # (action, target type, severity)
    ("login.success", "auth", AuditLog.Severity.LOW), ("login.success", "auth", AuditLog.Severity.LOW),
    ("login.failure", "auth", AuditLog.Severity.MEDIUM), ("order.status", "orders.order", AuditLog.Severity.LOW),
    ("order.assign", "orders.order", AuditLog.Severity.LOW),
    ("payment.succeeded", "orders.order", AuditLog.Severity.MEDIUM),
    ("order.status", "orders.order", AuditLog.Severity.LOW), ("password.change", "auth", AuditLog.Severity.MEDIUM),
    ("user.export", "accounts.user", AuditLog.Severity.HIGH),
)
assert all(action in ACTION_LABELS for action, _target, _severity in AUDIT_ACTIONS)

# A message row, as _thread builds it (see ops.bulk.insert_rows).
MESSAGE_COLUMNS = ("id", "conversation_id", "sender_id", "visitor_name", "visitor_email", "content", "type",
                   "status", "signed_as_team", "is_pinned", "created_at")
MESSAGE_ID, MESSAGE_STATUS, MESSAGE_CREATED = 0, 7, 10

BENCH_CLIENT = f"bench-client@{EMAIL_DOMAIN}"
BENCH_CORRECTOR = f"bench-corrector@{EMAIL_DOMAIN}"
BENCH_ADMIN = f"bench-admin@{EMAIL_DOMAIN}"
BENCH_OTHER_CORRECTOR = f"bench-corrector-2@{EMAIL_DOMAIN}"
BENCH_CLIENT_ORDERS = 50
BENCH_CORRECTOR_ORDERS = 500
BENCH_BACKLOG = 500
BENCH_THREAD_MESSAGES = 2000
BENCH_NOTIFICATIONS = 200  # the bell and the list have something to show, some of it unread
BENCH_AUTHORS = 20  # the clients of the corrector's orders and of the backlog


def volume_for(*, scale, given):
    """The counts of a run: the default set times ``scale`` (at least one of
    each; none without a scale), then what was given explicitly."""
    counts = {name: max(1, round(default * scale)) if scale else 0 for name, default in DEFAULT_VOLUME.items()}
    counts.update({name: value for name, value in given.items() if value is not None})
    return counts


@dataclass(slots=True)
class OrderRef:
    """What the later steps need of an order, without keeping the model instance."""

    id: uuid.UUID
    client: User
    corrector: User | None
    status: str
    title: str
    created_at: object
    paid_at: object
    amount: int | None
    service: Service
    pages: int
    urgent: bool
    delivered: bool


@dataclass
class TableReport:
    rows: int = 0
    seconds: float = 0.0
    step: str | None = None

    @property
    def rate(self):
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass
class TicketPlan:
    number: int
    requester: User | None
    status: str
    created_at: object
    staff: User | None
    category: str
    title: str
    description: str
    visitor: tuple = ("", "")
    order_id: object = None
    conversation_id: object = None


@dataclass
class ConversationPlan:
    kind: str
    subject: str
    created_at: object
    members: list  # the participants from the start
    voices: list  # who writes: users, or None for the platform, or a visitor's (name, e-mail)
    order_id: object = None
    created_by: User | None = None
    staff: list = field(default_factory=list)  # team members who may join by writing
    id: object = None  # chosen beforehand when a ticket points at it
    opening: str = ""  # the first message's text, when it is known (a ticket's request)


class FakeData:
    """One run of generate_fake_data; ``tables`` reports what it wrote."""

    def __init__(self, *, stdout, seed, batch_size, now=None):
        self.stdout = stdout
        self.batch_size = batch_size
        self.now = now or timezone.now()
        self.run = next_run_number()
        # The run number is part of the seed: the same --seed on a second run
        # of the same database gives new ids instead of colliding.
        self.rng = random.Random(f"{seed}-{self.run}")
        self._uuid_base, self._uuid_counter = self.rng.getrandbits(47), 0
        self.password = make_password(FAKE_PASSWORD)
        self.tables = {}
        self.services = _active_services()
        self.clients, self.correctors, self.staff = [], [], []
        self.orders = []
        self.orders_by_client = {}
        self.attachment_candidates = []
        self.message_texts = [self._sentences(1, 3) for _ in range(2000)]
        self.order_url = reverse("orders:detail", args=[uuid.UUID(int=0)]).replace(str(uuid.UUID(int=0)), "{}")

    # --- helpers -------------------------------------------------------------

    def uuid(self):
        """A random UUID whose first 48 bits count up from a random start: a
        run's rows then land side by side in the primary key and foreign key
        indexes instead of at random pages (MariaDB's UUID type and SQLite's
        text both sort by those first bits), which keeps inserts fast once the
        tables outgrow the buffer pool. Reproducible with the seed."""
        self._uuid_counter += 1
        high = (self._uuid_base + self._uuid_counter) << 80
        return uuid.UUID(int=high | self.rng.getrandbits(80), version=4)

    def ago(self, max_days, min_days=0.0):
        return self.now - timedelta(days=self.rng.uniform(min_days, max_days))

    def later(self, moment, min_days, max_days):
        """A moment after ``moment``, never in the future."""
        return min(self.now, moment + timedelta(days=self.rng.uniform(min_days, max_days)))

    def _sentences(self, low, high):
        return " ".join(self.rng.sample(words.MESSAGE_SENTENCES, self.rng.randint(low, high)))

    def _title(self):
        return f"{self.rng.choice(words.TITLE_STARTS)} {self.rng.choice(words.TITLE_ENDS)}"

    def _quota(self, shares, count):
        """``count`` values in the given shares, shuffled: each value once
        when ``count`` allows, the rest shared by largest remainder."""
        base = 1 if count >= len(shares) else 0
        spare, total = count - base * len(shares), sum(share for _value, share in shares)
        exact = [spare * share / total for _value, share in shares]
        counts = [base + int(value) for value in exact]
        by_remainder = sorted(range(len(shares)), key=lambda i: exact[i] - int(exact[i]), reverse=True)
        for index in by_remainder[: count - sum(counts)]:
            counts[index] += 1
        values = [value for (value, _share), n in zip(shares, counts, strict=True) for _ in range(n)]
        self.rng.shuffle(values)
        return values

    @contextmanager
    def table(self, name, label, total):
        """Time a step and give it a progress bar; the bar counts its main table."""
        started = time.monotonic()
        with progress(self.stdout if total else io.StringIO(), label, total) as bar:  # nothing to tell for 0
            yield bar
        report = self.tables.setdefault(name, TableReport())
        report.seconds += time.monotonic() - started

    def count(self, name, rows, step=None):
        """Add ``rows`` to a table's report; a table written inside another's
        step (participants with messages) is timed by that step."""
        report = self.tables.setdefault(name, TableReport())
        report.rows += rows
        report.step = step

    def finish(self):
        for report in self.tables.values():
            if report.step:
                report.seconds = self.tables[report.step].seconds
        return self.tables

    def batches(self, items):
        for start in range(0, len(items), self.batch_size):
            yield items[start:start + self.batch_size]

    # --- users ---------------------------------------------------------------

    def create_users(self, *, role, count, emails=None, label="Utilisateurs"):
        prefix = {User.Role.USER: "client", User.Role.CORRECTOR: "corrector", User.Role.ADMIN: "staff"}[role]
        emails = emails or [f"{prefix}-{self.run}-{n}@{EMAIL_DOMAIN}" for n in range(1, count + 1)]
        created = []
        with self.table("users", label, len(emails)) as bar:
            for chunk in self.batches(emails):
                rows = [self._user(email, role) for email in chunk]
                with transaction.atomic():
                    insert_objects(rows)
                created += rows
                bar.advance(len(rows))
        self.count("users", len(created))
        return created

    def _user(self, email, role):
        rng = self.rng
        postcode, city = rng.choice(words.CITIES)
        created_at = self.ago(1100, 30 if role != User.Role.USER else 1)
        is_admin = role == User.Role.ADMIN
        return User(
            id=self.uuid(), email=email, password=self.password, role=role, is_staff=is_admin, is_superuser=is_admin,
            first_name=rng.choice(words.FIRST_NAMES), last_name=rng.choice(words.LAST_NAMES),
            address=f"{rng.randint(1, 180)} {rng.choice(words.STREETS)}", postcode=postcode, city=city,
            country="France", phone=f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
                                    f"{rng.randint(10, 99)}",
            email_verified_at=created_at + timedelta(minutes=rng.randint(1, 90)), consent_at=created_at,
            created_at=created_at,
        )

    # --- orders --------------------------------------------------------------

    def create_orders(self, specs, label="Commandes"):
        """``specs``: (client, status, corrector) — corrector "auto" picks one
        of the run's correctors when the status needs one."""
        refs = []
        with self.table("orders", label, len(specs)) as bar:
            for chunk in self.batches(specs):
                built = [self._order(*spec) for spec in chunk]
                rows = [order for order, _events, _ref in built]
                events = [event for _order, order_events, _ref in built for event in order_events]
                with transaction.atomic():
                    insert_objects(rows)
                    insert_objects(events)
                self.count("order_events", len(events), step="orders")
                for _order, _events, ref in built:
                    refs.append(ref)
                    self.orders_by_client.setdefault(ref.client.pk, ref)
                bar.advance(len(rows))
        self.count("orders", len(refs))
        return refs

    def _order(self, client, status, corrector):
        rng = self.rng
        suspended_from = rng.choice((S.EN_COURS, S.PAYEE, S.EN_ATTENTE)) if status == S.SUSPENDUE else None
        flow = suspended_from or status  # the dates are those of the status it stands in
        verifying = [s for s in self.services if s.needs_page_verification]
        free_service = next((s for s in self.services if s.is_per_page and not s.needs_page_verification), None)
        free = flow in PAID_STATUSES and free_service is not None and rng.random() < FREE_SHARE
        if free:
            service, declared = free_service, rng.randint(1, pricing.FREE_PAGES)
        else:
            wants_check = flow in (S.EN_ATTENTE_VERIFICATION, S.ESTIMATION_ENVOYEE)
            service = rng.choice(verifying if wants_check and verifying else self.services)
            declared = rng.randint(20, 450)
        urgent = not free and rng.random() < 0.1
        checked = service.needs_page_verification and flow != S.EN_ATTENTE_VERIFICATION
        verified = max(pricing.MIN_PAGES, declared + rng.randint(-8, 8)) if checked else None
        estimate = pricing.quote_for(service=service, pages=declared, urgent=urgent)
        quote = pricing.quote_for(service=service, pages=verified or declared, urgent=urgent)
        price = None if flow == S.EN_ATTENTE_VERIFICATION else quote.total

        created_at = {
            S.EN_ATTENTE_VERIFICATION: lambda: self.ago(30), S.ESTIMATION_ENVOYEE: lambda: self.ago(30),
            S.EN_ATTENTE: lambda: self.ago(30), S.PAYEE: lambda: self.ago(15), S.EN_COURS: lambda: self.ago(60, 3),
            S.LIVREE: lambda: self.ago(60, 10),
        }.get(flow, lambda: self.ago(1095, 20))()
        paid = flow in PAID_STATUSES
        paid_at = self.later(created_at, 0.01, 2) if paid and not free else None
        queued_at = paid_at or (self.later(created_at, 0, 0.01) if paid else None)
        delivered_at = accepted_at = finished_at = None
        if flow == S.LIVREE:
            delivered_at = max(queued_at, self.ago(settings.ORDER_AUTO_FINISH_DAYS * 0.8))
        elif flow == S.TERMINE:
            delivered_at = self.later(queued_at, 5, 30)
            accepted_at = finished_at = self.later(delivered_at, 0.1, 7)
        elif flow == S.ANNULEE:
            finished_at = self.later(created_at, 0, 20)
        if corrector == "auto":
            corrector = rng.choice(self.correctors) if flow in WITH_CORRECTOR else None
        payment_status = {True: "succeeded", False: ""}[paid]
        if free:
            payment_status = Order.PAYMENT_STATUS_FREE
        elif flow == S.EN_ATTENTE or (flow == S.ANNULEE and rng.random() < 0.5):
            payment_status = "pending"
        title = self._title()
        order = Order(
            id=self.uuid(), client=client, service=service, corrector=corrector, title=title,
            description=rng.choice(words.ORDER_DESCRIPTIONS).format(genre=rng.choice(words.GENRES), pages=declared),
            status=status, status_before_suspension=suspended_from or "",
            priority=Order.Priority.URGENTE if urgent else Order.Priority.NORMALE, urgent=urgent,
            due_date=pricing.due_date_for(quote=quote, start=timezone.localdate(queued_at or created_at)),
            declared_pages=declared, verified_pages=verified, estimated_price=estimate.total, final_price=price,
            amount=(0 if free else price) if paid else None, payment_status=payment_status,
            revision_count=rng.choice((0, 0, 0, 1, 2)) if delivered_at else 0, paid_at=paid_at,
            delivered_at=delivered_at, accepted_at=accepted_at, finished_at=finished_at, created_at=created_at,
        )
        first_status = S.EN_ATTENTE_VERIFICATION if service.needs_page_verification else S.EN_ATTENTE
        events = [OrderEvent(order=order, kind=OrderEvent.Kind.CREATED, actor=client, to_status=first_status,
                             created_at=created_at)]
        previous = suspended_from or PREVIOUS_STATUS.get(status)
        if previous and status != first_status:
            moment = finished_at or delivered_at or queued_at or self.later(created_at, 0, 3)
            actor = corrector if status in (S.EN_COURS, S.LIVREE) else (client if status == S.TERMINE else None)
            events.append(OrderEvent(order=order, kind=OrderEvent.Kind.STATUS, actor=actor, from_status=previous,
                                     to_status=status, created_at=moment))
        ref = OrderRef(id=order.id, client=client, corrector=corrector, status=status, title=title,
                       created_at=created_at, paid_at=paid_at, amount=order.amount, service=service,
                       pages=verified or declared, urgent=urgent, delivered=delivered_at is not None)
        return order, events, ref

    # --- tickets (numbers and plans first: their conversations carry the number)

    def plan_tickets(self, count):
        if not count:
            return []
        TicketNumber.objects.get_or_create(pk=1)
        with transaction.atomic():  # the counter moves once for the whole run
            counter = TicketNumber.objects.select_for_update().get(pk=1)
            first = counter.last + 1
            counter.last += count
            counter.save(update_fields=["last"])
        plans = []
        for number, status in zip(range(first, first + count), self._quota(TICKET_STATUS_SHARES, count), strict=True):
            category, title = self.rng.choice(words.TICKET_TITLES)
            visitor = self.rng.random() < VISITOR_TICKET_SHARE or not self.clients
            requester = None if visitor else self.rng.choice(self.clients)
            order = self.orders_by_client.get(requester.pk) if requester and category == "COMMANDE" else None
            recent = status in Ticket.UNRESOLVED_STATUSES
            plans.append(TicketPlan(
                number=number, requester=requester, status=status, category=category, title=title,
                created_at=self.ago(10) if recent else self.ago(700, 10),
                staff=self.rng.choice(self.staff) if status != T.OUVERT and self.staff else None,
                description=self._sentences(2, 4), order_id=order.id if order else None,
                visitor=(f"{self.rng.choice(words.FIRST_NAMES)} {self.rng.choice(words.LAST_NAMES)}",
                         f"visiteur-{self.run}-{number}@{EMAIL_DOMAIN}") if visitor else ("", ""),
            ))
        return plans

    def create_tickets(self, plans):
        with self.table("tickets", "Tickets", len(plans)) as bar:
            for chunk in self.batches(plans):
                tickets = [self._ticket(plan) for plan in chunk]
                events = [TicketEvent(ticket=ticket, kind=TicketEvent.Kind.CREATED, actor=ticket.requester,
                                      to_value=T.OUVERT, note=str(ticket.get_source_display()),
                                      created_at=ticket.created_at) for ticket in tickets]
                with transaction.atomic():
                    insert_objects(tickets)
                    insert_objects(events)
                self.count("ticket_events", len(events), step="tickets")
                bar.advance(len(tickets))
        self.count("tickets", len(plans))

    def _ticket(self, plan):
        rng = self.rng
        name, email = plan.visitor
        ticket = Ticket(
            id=self.uuid(), number=plan.number, requester=plan.requester, visitor_name=name, visitor_email=email,
            title=plan.title, description=plan.description, category=plan.category,
            priority=rng.choice((Ticket.Priority.NORMALE,) * 6 + tuple(Ticket.Priority)),
            status=T.OUVERT, source=Ticket.Source.CONTACT if name else Ticket.Source.WEB, assigned_to=plan.staff,
            order_id=plan.order_id, conversation_id=plan.conversation_id, created_at=plan.created_at,
        )
        sla.sla_set_due_times(ticket, start=plan.created_at)
        ticket.status = plan.status
        if plan.status != T.OUVERT:
            ticket.first_response_at = self.later(plan.created_at, 0.02, 1)
        if plan.status == T.EN_ATTENTE:
            ticket.paused_at = self.later(ticket.first_response_at, 0, 2)
        if plan.status in (T.RESOLU, T.FERME):
            ticket.resolved_at = self.later(ticket.first_response_at, 0.1, 5)
        if plan.status == T.FERME:
            ticket.closed_at = self.later(ticket.resolved_at or plan.created_at, 0, 7)
        if plan.status == T.FERME and plan.requester and rng.random() < 0.3:
            ticket.satisfaction_score = rng.randint(1, 5)
            ticket.satisfaction_at = ticket.closed_at
        sla.sla_refresh(ticket)
        return ticket

    # --- conversations, messages, participants ------------------------------

    def plan_conversations(self, count, orders, tickets):
        """``count`` conversations: the tickets' (up to a tenth), direct ones
        (a tenth), the rest about orders (one per order at most)."""
        plans = [self._support_conversation(ticket) for ticket in tickets[: count // 10]]
        with_order = self.rng.sample(orders, min(len(orders), count - len(plans) - count // 10))
        plans += [self._order_conversation(order) for order in with_order]
        while len(plans) < count:
            plans.append(self._direct_conversation())
        self.rng.shuffle(plans)
        return plans

    def _order_conversation(self, order):
        members = [order.client, *([order.corrector] if order.corrector else [])]
        # Before a corrector is there, the team answers.
        voices = [*members, *members, None] if order.corrector else [order.client, *self.staff[:1]]
        return ConversationPlan(kind=Conversation.Kind.ORDER, subject=order.title, order_id=order.id,
                                created_at=order.created_at + timedelta(minutes=1), members=members,
                                voices=voices, staff=self.staff[:1])

    def _direct_conversation(self, client=None):
        client = client or self.rng.choice(self.clients)
        staff = [self.rng.choice(self.staff)] if self.staff else []
        return ConversationPlan(kind=Conversation.Kind.DIRECT, subject=self.rng.choice(words.DIRECT_SUBJECTS),
                                created_at=self.ago(700), members=[client], voices=[client, *staff],
                                created_by=client)

    def _support_conversation(self, ticket):
        ticket.conversation_id = self.uuid()
        author = ticket.requester or ticket.visitor
        staff = [ticket.staff] if ticket.staff else []
        return ConversationPlan(kind=Conversation.Kind.SUPPORT, subject=f"#{ticket.number} {ticket.title}"[:255],
                                created_at=ticket.created_at, members=[ticket.requester] if ticket.requester else [],
                                voices=[author, *staff], created_by=ticket.requester, id=ticket.conversation_id,
                                opening=ticket.description)

    def message_counts(self, conversations, messages):
        """Messages per conversation: most threads short, about 1 % long."""
        if not conversations:
            return []
        if messages < conversations:
            counts = [1] * messages + [0] * (conversations - messages)
            self.rng.shuffle(counts)
            return counts
        weights = [self.rng.uniform(50, 150) if self.rng.random() < 0.01 else self.rng.uniform(1, 15)
                   for _ in range(conversations)]
        spare, total_weight = messages - conversations, sum(weights)
        counts = [1 + int(spare * w / total_weight) for w in weights]
        for index in self.rng.sample(range(conversations), messages - sum(counts)):
            counts[index] += 1
        return counts

    def create_conversations(self, plans, counts, *, label="Conversations et messages", attachments_wanted=0):
        total = sum(counts)
        keep_every = max(1, total // (attachments_wanted * 2)) if attachments_wanted else 0
        pending, pending_messages = [], 0
        with self.table("messages", label, total) as bar:
            for plan, count in zip(plans, counts, strict=True):
                pending.append(self._thread(plan, count))
                pending_messages += count
                if pending_messages >= self.batch_size:
                    bar.advance(self._write_threads(pending, keep_every))
                    pending, pending_messages = [], 0
            if pending:
                bar.advance(self._write_threads(pending, keep_every))
        self.count("conversations", len(plans), step="messages")
        self.count("messages", total)

    def _thread(self, plan, count):
        """(conversation, message rows, their senders, participants): rows in
        time order (MESSAGE_COLUMNS, no instances: a million of them cost more
        than the inserts), each participant's read marker as an index into
        them (-1: nothing read)."""
        rng = self.rng
        conversation = Conversation(
            id=plan.id or self.uuid(), kind=plan.kind, subject=plan.subject[:255],
            order_id=plan.order_id, created_by=plan.created_by, created_at=plan.created_at,
            last_message_at=plan.created_at,
        )
        span = max(60.0, (self.now - plan.created_at).total_seconds() - 60)
        offsets = sorted(rng.uniform(0, span) for _ in range(count))
        rows, senders = [], []
        for index, offset in enumerate(offsets):
            voice = plan.voices[0] if index == 0 else rng.choice(plan.voices)
            if plan.staff and rng.random() < 0.03:
                voice = rng.choice(plan.staff)
            sender = voice if isinstance(voice, User) else None
            visitor_name, visitor_email = voice if isinstance(voice, tuple) else ("", "")
            is_staff = sender is not None and sender.is_admin
            is_system = voice is None
            rows.append([
                None, conversation.id, sender.pk if sender else None, visitor_name, visitor_email,
                (plan.opening if index == 0 and plan.opening else
                 rng.choice(words.SYSTEM_MESSAGES) if is_system else rng.choice(self.message_texts)),
                Message.Type.SYSTEM_MESSAGE if is_system else
                Message.Type.ADMIN_MESSAGE if is_staff else Message.Type.USER_MESSAGE,
                Message.Status.ENVOYE, is_staff and rng.random() < 0.5, rng.random() < 0.005,
                plan.created_at + timedelta(seconds=offset + index * 1e-3),
            ])
            senders.append(sender)
        conversation.last_message_at = rows[-1][MESSAGE_CREATED] if rows else plan.created_at
        # Who takes part: the members, and whoever wrote (as message_send adds them).
        people = {user.pk: user for user in plan.members}
        people.update({sender.pk: sender for sender in senders if sender is not None})
        participants = []
        for user in people.values():
            own = max((i for i, sender in enumerate(senders) if sender is not None and sender.pk == user.pk),
                      default=-1)
            read = count - 1
            if count and (senders[-1] is None or senders[-1].pk != user.pk) and rng.random() < 0.3:
                read = max(own, count - 1 - rng.randint(1, 3))
            participants.append((user, read))
        for index, (row, sender) in enumerate(zip(rows, senders, strict=True)):
            readers = (read for user, read in participants if sender is None or user.pk != sender.pk)
            if any(read >= index for read in readers):
                row[MESSAGE_STATUS] = Message.Status.LU
        return conversation, rows, senders, participants

    def _write_threads(self, threads, keep_every):
        conversations = [conversation for conversation, *_rest in threads]
        rows = [row for _conversation, thread, _senders, _people in threads for row in thread]
        with transaction.atomic():
            insert_objects(conversations)
            # Ids chosen here, in each thread's time order, so read markers
            # can name them; the conversations then point at their newest.
            for message_id, row in enumerate(rows, start=reserve_ids(Message)):
                row[MESSAGE_ID] = message_id
            insert_rows(Message, MESSAGE_COLUMNS, rows)
            newest = Message.objects.filter(conversation=OuterRef("pk")).values("conversation").annotate(
                newest=Max("id")).values("newest")
            Conversation.objects.filter(pk__in=[c.pk for c in conversations]).update(last_message_id=Subquery(newest))
            participants = [
                Participant(conversation=conversation, user=user, joined_at=conversation.created_at,
                            last_read_message_id=thread[read][MESSAGE_ID] if read >= 0 else 0,
                            archived=self.rng.random() < 0.03)
                for conversation, thread, _senders, people in threads for user, read in people
            ]
            insert_objects(participants)
        self.count("participants", len(participants), step="messages")
        if keep_every:
            self.attachment_candidates += [
                (row[MESSAGE_ID], sender, conversation.order_id, row[MESSAGE_CREATED])
                for conversation, thread, senders, _people in threads
                for row, sender in zip(thread, senders, strict=True)
                if sender is not None and row[MESSAGE_ID] % keep_every == 0
            ]
        return len(rows)

    # --- files ---------------------------------------------------------------

    def create_files(self, count, orders):
        """A tenth attachments of messages (when there are messages), then a
        manuscript per order, a corrected file per delivered order, then
        further manuscript versions."""
        attachments = self.attachment_candidates[: count // 10]
        specs = [("attachment", candidate) for candidate in attachments]
        plans = [("manuscript", order) for order in orders]
        plans += [("deliverable", order) for order in orders if order.delivered]
        while plans and len(specs) + len(plans) < count:
            plans += [("manuscript", order) for order in orders]
        specs += plans[: count - len(specs)]
        while len(specs) < count:  # no orders nor messages: files of the clients' own
            specs.append(("loose", None))
        links = 0
        with self.table("files", "Fichiers (métadonnées)", count) as bar:
            for chunk in self.batches(specs):
                rows, attached = [], []
                for kind, source in chunk:
                    stored = self._file(kind, source)
                    rows.append(stored)
                    if kind == "attachment":
                        attached.append(MessageAttachment(message_id=source[0], stored_file=stored,
                                                          created_at=stored.created_at))
                with transaction.atomic():
                    insert_objects(rows)
                    insert_objects(attached)
                links += len(attached)
                bar.advance(len(rows))
        self.count("files", count)
        self.count("message_attachments", links, step="files")

    def _file(self, kind, source):
        rng = self.rng
        if kind == "attachment":
            _message_id, uploader, order_id, created_at = source
            file_kind = rng.choice((PDF, DOCX, JPEG, PNG))
            role, stem = StoredFile.Role.ATTACHMENT, f"piece-jointe-{rng.randint(1, 999)}"
        elif kind == "loose":
            uploader, order_id, created_at = rng.choice(self.clients) if self.clients else None, None, self.ago(700)
            file_kind, role, stem = rng.choice((PDF, JPEG)), StoredFile.Role.ATTACHMENT, "document"
        else:
            order = source
            order_id, delivered = order.id, kind == "deliverable"
            uploader = order.corrector if delivered else order.client
            file_kind = rng.choice((DOCX, DOCX, ODT, RTF)) if delivered else rng.choice((DOCX, DOCX, PDF, ODT))
            role = StoredFile.Role.DELIVERABLE if delivered else StoredFile.Role.MANUSCRIPT
            created_at = self.later(order.paid_at or order.created_at, 1, 20) if delivered else order.created_at
            stem = ("corrige-" if delivered else "") + order.title.lower().replace(" ", "-").replace("'", "-")
        file_id = self.uuid()
        small = file_kind.category == StoredFile.Category.IMAGE
        return StoredFile(
            id=file_id, original_name=f"{stem}.{file_kind.extension}"[:255],
            file=f"fake/uploads/{created_at:%Y}/{created_at:%m}/{file_id.hex}.{file_kind.extension}",
            mime_type=file_kind.mime_type, category=file_kind.category, role=role, uploaded_by=uploader,
            order_id=order_id, size=int(rng.lognormvariate(12.5 if small else 13.5, 1.0)) + 1024,
            checksum=hashlib.sha256(file_id.bytes).hexdigest(), created_at=created_at,
            content_purged_at=created_at,  # no bytes behind these rows: nothing offers a download
        )

    # --- invoices ------------------------------------------------------------

    def create_invoices(self, count, orders):
        paid = [order for order in orders if order.paid_at is not None and order.amount]
        if count > len(paid):
            self.stdout.write(f"  Factures : {format_count(len(paid))} commandes payées seulement, "
                              f"{format_count(count - len(paid))} factures de moins que demandé.")
        chosen = paid[:count]
        rate, exempt = invoicing.current_vat()
        seller = invoicing.seller_snapshot(vat_exempt=exempt)
        with self.table("invoices", "Factures", len(chosen)) as bar:
            for start in range(0, len(chosen), self.batch_size):
                rows = [self._invoice(order, number=start + offset + 1, rate=rate, exempt=exempt, seller=seller)
                        for offset, order in enumerate(chosen[start:start + self.batch_size])]
                with transaction.atomic():
                    insert_objects(rows)
                bar.advance(len(rows))
        self.count("invoices", len(chosen))

    def _invoice(self, order, *, number, rate, exempt, seller):
        ht, vat = invoicing.vat_split(ttc=order.amount, rate=rate, exempt=exempt)
        issued_at = order.paid_at + timedelta(seconds=self.rng.randint(2, 60))
        # An unsaved order is enough for the line helper: it reads the service, pages, title and urgency.
        priced = Order(service=order.service, declared_pages=order.pages, urgent=order.urgent, title=order.title)
        return Invoice(
            id=self.uuid(), order_id=order.id, number=f"{INVOICE_PREFIX}-{self.run}-{number:07d}",
            status=Invoice.Status.PAID, amount_ht=ht, vat_amount=vat, amount_ttc=order.amount, vat_rate=rate,
            vat_exempt=exempt, seller=seller, buyer=invoicing.buyer_snapshot(user=order.client),
            lines=invoicing.invoice_lines_for_order(order=priced, total=order.amount),
            payment_method=f"Visa •••• {self.rng.randint(1000, 9999)}", issued_at=issued_at,
            due_at=issued_at + timedelta(days=settings.INVOICE_DUE_DAYS),
            sent_at=issued_at + timedelta(minutes=1), paid_at=order.paid_at, created_at=issued_at,
        )

    # --- notifications and audit ---------------------------------------------

    def create_notifications(self, count, users=None, label="Notifications"):
        users = users or self.clients or self.correctors or self.staff
        with self.table("notifications", label, count) as bar:
            for start in range(0, count, self.batch_size):
                rows = [self._notification(self.rng.choice(users)) for _ in range(min(self.batch_size, count - start))]
                with transaction.atomic():
                    insert_objects(rows)
                bar.advance(len(rows))
        self.count("notifications", count)

    def _notification(self, user):
        rng = self.rng
        kind, title, text = rng.choice(words.NOTIFICATIONS)
        order = self.orders_by_client.get(user.pk)
        created_at = self.ago(45)  # older ones are purged; some here are expired, awaiting the purge
        read = rng.random() < 0.7
        return Notification(
            user=user, type=kind, title=title, message=text.format(title=order.title if order else self._title()),
            action_url=self.order_url.format(order.id) if order and kind in ("ORDER", "PAYMENT") else "",
            data={"order": str(order.id)} if order else {}, is_read=read,
            read_at=self.later(created_at, 0, 2) if read else None, is_deleted=rng.random() < 0.02,
            created_at=created_at, expires_at=created_at + NOTIFICATION_LIFETIME,
        )

    def create_audit(self, count):
        people = self.clients + self.correctors + self.staff
        with self.table("audit", "Journal d'audit", count) as bar:
            for start in range(0, count, self.batch_size):
                rows = [self._audit_entry(people) for _ in range(min(self.batch_size, count - start))]
                with transaction.atomic():
                    insert_objects(rows)  # append-only: inserts are what it allows
                bar.advance(len(rows))
        self.count("audit", count)

    def _audit_entry(self, people):
        rng = self.rng
        action, target_type, severity = rng.choice(AUDIT_ACTIONS)
        actor = rng.choice(people) if people else None
        order = self.orders_by_client.get(actor.pk) if actor else None
        target_id = {"auth": actor.email if actor else "", "accounts.user": str(actor.pk) if actor else "",
                     "orders.order": str(order.id) if order else ""}[target_type]
        return AuditLog(
            timestamp=self.ago(365), actor=actor, actor_email=actor.email if actor else "", action=action,
            target_type=target_type, target_id=target_id, severity=severity, details={"fake_run": self.run},
            ip_address=f"{rng.choice(('192.0.2', '198.51.100', '203.0.113'))}.{rng.randint(1, 254)}",
            user_agent=rng.choice(words.USER_AGENTS),
        )

    # --- the whole run ---------------------------------------------------------

    def generate(self, counts):
        self.staff = self.create_users(role=User.Role.ADMIN, count=counts["staff"], label="Équipe")
        self.correctors = self.create_users(role=User.Role.CORRECTOR, count=counts["correctors"], label="Correcteurs")
        self.clients = self.create_users(role=User.Role.USER, count=counts["clients"], label="Clients")
        statuses = self._quota(STATUS_SHARES, counts["orders"])
        self.orders = self.create_orders([(self.rng.choice(self.clients), status, "auto") for status in statuses])
        tickets = self.plan_tickets(counts["tickets"])
        plans = self.plan_conversations(counts["conversations"], self.orders, tickets)
        self.create_conversations(plans, self.message_counts(len(plans), counts["messages"]),
                                  attachments_wanted=counts["files"] // 10)
        self.create_tickets(tickets)
        self.create_files(counts["files"], self.orders)
        self.create_invoices(counts["invoices"], self.orders)
        self.create_notifications(counts["notifications"])
        self.create_audit(counts["audit"])

    def bench_fixtures(self):
        """The named accounts issue 13 measures; once per database."""
        if User.objects.filter(email=BENCH_CLIENT).exists():
            self.stdout.write("Comptes de mesure déjà présents : rien n'est ajouté.")
            return None
        admin, = self.create_users(role=User.Role.ADMIN, count=1, emails=[BENCH_ADMIN], label="Mesure : équipe")
        corrector, = self.create_users(role=User.Role.CORRECTOR, count=1, emails=[BENCH_CORRECTOR],
                                       label="Mesure : correcteur")
        other_corrector, = self.create_users(role=User.Role.CORRECTOR, count=1, emails=[BENCH_OTHER_CORRECTOR],
                                             label="Mesure : second correcteur")
        client, = self.create_users(role=User.Role.USER, count=1, emails=[BENCH_CLIENT], label="Mesure : client")
        authors = self.create_users(role=User.Role.USER, count=BENCH_AUTHORS, label="Mesure : auteurs", emails=[
            f"bench-author-{n}@{EMAIL_DOMAIN}" for n in range(1, BENCH_AUTHORS + 1)])
        self.staff = self.staff or [admin]
        # The client's 50 orders in every status; the first one is in the bench
        # corrector's hands, the others (when they need one) in another's, so
        # that the bench corrector holds exactly 500.
        self.correctors = [other_corrector]
        statuses = [S.EN_COURS, *self._quota(STATUS_SHARES, BENCH_CLIENT_ORDERS - 1)]
        own = self.create_orders([(client, status, corrector if index == 0 else "auto")
                                  for index, status in enumerate(statuses)], label="Mesure : commandes du client")
        in_hand = self.create_orders(
            [(self.rng.choice(authors), self.rng.choice((S.EN_COURS, S.EN_COURS, S.PAYEE)), corrector)
             for _ in range(BENCH_CORRECTOR_ORDERS - 1)], label="Mesure : commandes du correcteur")
        self.create_orders([(self.rng.choice(authors), S.PAYEE, None) for _ in range(BENCH_BACKLOG)],
                           label="Mesure : commandes à affecter")
        long_thread = self._order_conversation(own[0])
        long_thread.created_at, long_thread.id = self.now - timedelta(days=60), self.uuid()
        self.create_conversations([long_thread], [BENCH_THREAD_MESSAGES], label="Mesure : conversation longue")
        self.create_notifications(BENCH_NOTIFICATIONS, users=[client], label="Mesure : notifications du client")
        return {
            "password": FAKE_PASSWORD, "client": BENCH_CLIENT, "corrector": BENCH_CORRECTOR, "admin": BENCH_ADMIN,
            "client_orders": len(own), "client_notifications": BENCH_NOTIFICATIONS,
            "corrector_orders": 1 + len(in_hand), "backlog": BENCH_BACKLOG,
            "long_conversation": reverse("messaging:conversation", args=[long_thread.id]),
            "order": reverse("orders:detail", args=[own[0].id]),
        }


def next_run_number():
    """1 + the runs already in this database (told by their e-mails)."""
    run = 1
    while User.objects.filter(Q(email__startswith=f"client-{run}-") | Q(email__startswith=f"corrector-{run}-")
                              | Q(email__startswith=f"staff-{run}-")).exists():
        run += 1
    return run


def _active_services():
    """The services orders are made of; a database without any (no `setup`
    yet) gets the default ones, as setup would load them."""
    if not Service.objects.filter(is_active=True).exists():
        load_default_services()
    return list(Service.objects.filter(is_active=True))


def summary_lines(tables, elapsed):
    """A readable table of what was written."""
    lines = []
    for name, report in tables.items():
        if not report.rows:
            continue
        lines.append(f"  {name:<20} {format_count(report.rows):>12} lignes  {format_count(int(report.rate)):>9} lignes/s")
    total = sum(report.rows for report in tables.values())
    lines.append(f"  {'total':<20} {format_count(total):>12} lignes en {format_duration(elapsed)}")
    return lines
