"""Imports a database of the old Node/Prisma system (manage.py import_legacy).

The tables are read in dependency order (users first) from a
``ops.legacy.reader`` source and written in batches with ``ops.bulk``'s
upsert (bulk_create's, without its query compiler, which cost most of the
import's time): a row already imported is updated, so
running the import again (a last catch-up before switching over) duplicates
nothing. Foreign keys are resolved from dicts of the ids met so far: no query
per row.

Identity of the rows:

- legacy ids are UUIDs and stay our primary keys; an id that is not a UUID
  (ids are free text in the old schema, conversationId anything) becomes a
  uuid5 of table + id, the same at every run;
- where our primary key is a number (messages, attachments, notifications,
  audit entries), the legacy id goes to the unique ``legacy_id`` column.

Rows are written as the services would have written them (denormalised
fields, read markers, ticket numbers, SLA deadlines, invoice snapshots), but
without their side effects: no e-mail, notification, audit entry or history
row is produced by an import.

Bad input never stops the import: an unknown table or column, a statement the
reader could not parse, an orphan foreign key, a row the database refuses,
each is reported with its place in the source, and the rest goes in. A
required foreign key that points nowhere skips the row; an optional one is
emptied.
"""

import hashlib
import ipaddress
import os
import re
import time
import uuid
from collections import Counter, defaultdict, namedtuple
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files import File
from django.db import DatabaseError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from accounts.auth import forget_cached_users
from accounts.hashers import LegacyBcryptPasswordHasher, is_raw_bcrypt
from accounts.models import User, normalize_email
from billing.invoicing import INVOICE_PREFIX, buyer_snapshot, invoice_lines_for_order, seller_snapshot
from billing.models import DocumentCounter, Invoice, PaymentMethod
from billing.overview_cache import billing_changed
from cms.models import FAQ, Page
from cms.services import _write_revision
from core import user_cache
from core.models import AuditLog
from files.models import StoredFile
from files.validation import detect_kind
from messaging.models import MAX_CONTENT_LENGTH, Conversation, Message, MessageAttachment, Participant
from messaging.services import unread_changed
from notifications.models import NOTIFICATION_LIFETIME, Notification
from notifications.services import bell_changed
from ops.bulk import insert_objects, insert_rows
from ops.legacy.reader import (
    LEGACY_TABLES,
    SCHEMA_FILE,
    legacy_bool,
    legacy_datetime,
    legacy_json,
    parse_create_tables,
)
from ops.progress import progress
from orders.models import Order, Service
from orders.selectors import CLIENT_ORDERS
from support import sla
from support.models import Ticket, TicketNumber

BATCH_SIZE = 2000

# uuid5 namespace of the ids derived from non-UUID legacy ids. Never change
# it: a re-import would no longer find the rows of the previous one.
LEGACY_NAMESPACE = uuid.UUID("6f1c1e8e-4f5b-4a39-9d8e-2b7f0c5d1a42")


def legacy_uuid(table, value):
    """Our primary key for the legacy id ``value`` of ``table``."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return uuid.uuid5(LEGACY_NAMESPACE, f"{table}:{value}")


def text(value, limit=None):
    """A text column: '' for NULL, cut to ``limit`` characters."""
    value = "" if value is None else str(value)
    return value[:limit] if limit else value


@cache
def _choice_values(choices):
    # Choices.values builds a new list at each call: once per row and field
    # it cost more than a tenth of the import.
    return frozenset(choices.values)


def choice(value, choices, default):
    """``value`` if it is one of ``choices`` (a Django Choices class), else ``default``."""
    return value if value in _choice_values(choices) else default


def positive(value):
    """A count or an amount in cents: None when NULL or negative."""
    if value is None:
        return None
    value = int(value)
    return value if value >= 0 else None


# --- The report ----------------------------------------------------------------

# How many problems per table the text report lists (the JSON has them all).
SHOWN_PROBLEMS = 20


@dataclass
class TableReport:
    read: int = 0
    created: int = 0
    updated: int = 0
    skipped: Counter = field(default_factory=Counter)  # reason -> rows
    problems: list = field(default_factory=list)  # (where, message): rows reported, imported or not
    notes: list = field(default_factory=list)  # what else the table became (conversations, tickets…)

    def as_dict(self):
        return {
            "read": self.read, "created": self.created, "updated": self.updated,
            "skipped": sum(self.skipped.values()), "skipped_reasons": dict(self.skipped),
            "problems": [{"where": where, "message": message} for where, message in self.problems],
            "notes": self.notes,
        }


@dataclass
class ImportReport:
    dry_run: bool = False
    tables: dict = field(default_factory=lambda: {table: TableReport() for table in LEGACY_TABLES})
    source_problems: list = field(default_factory=list)  # (where, message): unreadable statements, unknown tables…
    seconds: float = 0.0

    @property
    def rows_read(self):
        return sum(table.read for table in self.tables.values())

    @property
    def problem_count(self):
        return len(self.source_problems) + sum(len(table.problems) for table in self.tables.values())

    def as_dict(self):
        return {
            "dry_run": self.dry_run,
            "tables": {name: table.as_dict() for name, table in self.tables.items()},
            "source_problems": [{"where": where, "message": message} for where, message in self.source_problems],
            "rows_read": self.rows_read,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_read / self.seconds) if self.seconds else None,
        }


# --- Writing -------------------------------------------------------------------

@dataclass
class Spec:
    """How one of our models is written: the column that finds a row again at
    the next run, and the columns a re-import refreshes (the others are set at
    creation only)."""

    model: type
    key: str
    update_fields: list
    insert_only: bool = False  # the audit log: an entry is never changed
    unique_fields: tuple = ()  # what finds the row again when not ``key``

    @property
    def conflict_target(self):
        return list(self.unique_fields) or [self.key]


SPECS = {
    "users": Spec(User, "id", [
        "email", "first_name", "last_name", "role", "is_active", "is_staff", "is_superuser", "phone", "address",
        "bio", "preferences", "email_verified_at", "deactivated_at", "created_at", "updated_at",
    ]),
    "tarifs": Spec(Service, "id", [
        "name", "description", "kind", "pricing", "price", "estimated_duration", "is_active", "display_order",
        "stripe_product_id", "stripe_price_id", "stripe_price_amount", "created_at", "updated_at",
    ]),
    "commandes": Spec(Order, "id", [
        "client", "service", "title", "description", "status", "status_before_suspension", "client_note",
        "corrector_note", "priority", "due_date", "declared_pages", "verified_pages", "estimated_price",
        "final_price", "amount", "payment_status", "stripe_session_id", "finished_at", "created_at", "updated_at",
    ]),
    "files": Spec(StoredFile, "id", [
        "original_name", "file", "mime_type", "size", "category", "role", "uploaded_by", "order", "description",
        "is_public", "checksum", "content_purged_at", "created_at", "updated_at",
    ]),
    "conversations": Spec(Conversation, "id", ["kind", "subject", "order", "created_by", "created_at"]),
    # Written again once their messages exist: the denormalised last message.
    "conversation_last_message": Spec(Conversation, "id", ["last_message", "last_message_at"]),
    "messages": Spec(Message, "id", [
        "conversation", "sender", "visitor_name", "visitor_email", "content", "subject", "type", "status", "parent",
        "thread_root", "is_pinned", "created_at", "updated_at",
    ]),
    # A participant of a previous run is found by its conversation and user.
    "participants": Spec(Participant, "id", ["last_read_message_id", "archived"],
                         unique_fields=("conversation", "user")),
    "message_attachments": Spec(MessageAttachment, "legacy_id", ["message", "stored_file"]),
    "tickets": Spec(Ticket, "id", [
        "requester", "visitor_name", "visitor_email", "title", "description", "category", "priority", "status",
        "source", "tags", "assigned_to", "conversation", "first_response_due_at", "resolution_due_at", "paused_at",
        "sla_due_at", "sla_warn_at", "first_response_at", "resolved_at", "closed_at", "created_at", "updated_at",
    ]),
    "payment_methods": Spec(PaymentMethod, "id", [
        "user", "brand", "last4", "exp_month", "exp_year", "fingerprint", "is_default", "is_active", "created_at",
        "updated_at",
    ]),
    "invoices": Spec(Invoice, "id", [
        "status", "amount_ht", "vat_amount", "amount_ttc", "vat_rate", "vat_exempt", "pdf", "issued_at", "due_at",
        "paid_at", "created_at", "updated_at",
    ]),
    "notifications": Spec(Notification, "legacy_id", [
        "user", "title", "message", "type", "priority", "data", "action_url", "is_read", "read_at", "is_deleted",
        "expires_at", "created_at",
    ]),
    "pages": Spec(Page, "id", [
        "title", "slug", "content", "excerpt", "type", "status", "meta_title", "meta_description", "meta_keywords",
        "category", "tags", "sort_order", "is_public", "require_auth", "published_at", "created_at", "updated_at",
    ]),
    "faqs": Spec(FAQ, "id", [
        "question", "answer", "details", "category", "order", "visible", "created_at", "updated_at",
    ]),
    "audit_logs": Spec(AuditLog, "legacy_id", [], insert_only=True),
}

# --- Value mappings --------------------------------------------------------------

# Not in our workflow: the legacy "consultation" step is our page verification.
ORDER_STATUSES = {"EN_ATTENTE_CONSULTATION": Order.Status.EN_ATTENTE_VERIFICATION}
# A suspended order resumes to this status (the legacy system did not say
# which status it left; the work had started).
RESUMED_STATUS = Order.Status.EN_COURS
PAYMENT_STATUSES = {
    "paid": Order.PaymentStatus.SUCCEEDED, "succeeded": Order.PaymentStatus.SUCCEEDED,
    "complete": Order.PaymentStatus.SUCCEEDED, "completed": Order.PaymentStatus.SUCCEEDED,
    "pending": Order.PaymentStatus.PENDING, "unpaid": Order.PaymentStatus.PENDING,
    "open": Order.PaymentStatus.PENDING, "free": Order.PaymentStatus.FREE,
}
# The legacy audit targets, named as our audit entries name them (app.model).
AUDIT_TARGETS = {
    "user": ("accounts.user", "users"), "command": ("orders.order", "commandes"),
    "invoice": ("billing.invoice", "invoices"), "file": ("files.storedfile", "files"),
    "payment": ("billing.payment", None), "auth": ("auth", None), "system": ("system", None),
}
TICKET_SOURCES = {value.lower(): value for value in Ticket.Source.values}
MESSAGE_STATUSES_READ = {"LU", "ARCHIVE"}
UUID_IN_TEXT = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
FACT_NUMBER = re.compile(rf"^{INVOICE_PREFIX}-(\d{{4}})-(\d+)$")


# The most numerous rows go as named tuples of their columns (attnames), not
# model instances: building a quarter of a million participants took longer
# than writing them.
MessageRow = namedtuple("MessageRow", [
    "id", "conversation_id", "sender_id", "visitor_name", "visitor_email", "content", "subject", "type", "status",
    "parent_id", "thread_root_id", "is_pinned", "created_at", "updated_at", "legacy_id",
])
ParticipantRow = namedtuple("ParticipantRow", [
    "conversation_id", "user_id", "last_read_message_id", "archived", "joined_at",
])


@dataclass(slots=True)
class LegacyMessage:
    """What the importer keeps of a message until the whole table is read
    (messages are written in date order, see _import_messages)."""

    legacy_id: str
    where: str
    conversation_key: str
    sender: uuid.UUID | None
    receiver: uuid.UUID | None
    visitor_name: str
    visitor_email: str
    subject: str
    # UTF-8: as a str, one emoji makes every character of the text take 4
    # bytes, and all the messages are held at once.
    content: bytes
    type: str
    status: str
    is_read: bool
    is_archived: bool
    is_pinned: bool
    parent: str | None
    created_at: object
    updated_at: object
    id: int = 0
    conversation_pk: uuid.UUID | None = None
    parent_id: int | None = None
    root: int | None = None  # our id of the first message of its thread


class LegacyImporter:
    def __init__(self, source, *, uploads_dir=None, dry_run=False, stdout=None, batch_size=BATCH_SIZE):
        self.source = source
        self.uploads_dir = Path(uploads_dir) if uploads_dir else None
        self.dry_run = dry_run
        self.stdout = stdout
        self.batch_size = batch_size
        self.report = ImportReport(dry_run=dry_run)
        self.now = timezone.now()
        self._upload_index = None
        # Legacy id -> ours, for the foreign keys of the tables read later.
        self.users = {}  # legacy id -> User pk
        self.user_by_email = {}  # e-mail -> User pk
        self.services = {}  # legacy tarif id -> Service pk
        self.orders = {}  # legacy id -> (Order pk, client pk, title)
        self.files = {}  # legacy id -> StoredFile pk
        self.messages = {}  # legacy id -> Message pk

    # --- Running ---------------------------------------------------------------

    def run(self):
        started = time.monotonic()
        self._check_structure()
        # A dry run writes everything in one transaction and rolls it back: the
        # report is that of a real run, database constraints included.
        with transaction.atomic() if self.dry_run else nullcontext():
            for table in LEGACY_TABLES:
                if table in self.source.tables():
                    getattr(self, f"_import_{table}")(table)
            self._forget_cached_pages()
            if self.dry_run:
                transaction.set_rollback(True)
        self.report.source_problems.extend(self.source.errors)
        self.report.seconds = time.monotonic() - started
        return self.report

    def _forget_cached_pages(self):
        """Bulk writes send no post_save: the pages cached per user from the
        rows written ("Mes projets", "Mes factures", the bell, the
        notifications page, the Messages badge and the inbox) are dropped here."""
        user_ids = list(self.users.values())
        user_cache.invalidate(CLIENT_ORDERS, user_ids)
        billing_changed(user_ids=user_ids)
        bell_changed(user_ids=user_ids)
        unread_changed(user_ids=user_ids)

    def _check_structure(self):
        with SCHEMA_FILE.open(encoding="utf-8") as schema:
            expected = parse_create_tables(schema)
        present = self.source.tables()
        for table in sorted(present - set(LEGACY_TABLES)):
            self.report.source_problems.append((f"table {table}", "table inconnue de l'ancien système, ignorée"))
        for table in LEGACY_TABLES:
            if table not in present:
                continue
            columns = self.source.columns(table)
            for column in columns:
                if column not in expected[table]:
                    self._problem(table, f"table {table}", f"colonne inconnue « {column} », ignorée")
            for column in expected[table]:
                if column not in columns:
                    self._problem(table, f"table {table}", f"colonne « {column} » absente : valeurs vides")

    def _rows(self, table):
        """The rows of ``table``, counted and shown on the progress bar."""
        report = self.report.tables[table]
        with progress(self.stdout, table) if self.stdout else nullcontext() as bar:
            for row in self.source.rows(table):
                report.read += 1
                if bar is not None:
                    bar.advance()
                yield row

    def _converted(self, table, convert, *args):
        """``convert(table, row, *args)`` over the rows of ``table``: what it
        returns (None: the row is left out). A value it cannot read (a broken
        date, text in a number) leaves out that row only."""
        for row in self._rows(table):
            try:
                result = convert(table, row, *args)
            except (ValueError, TypeError, ArithmeticError) as error:
                self._skip(table, "valeur illisible", row.where, str(error)[:200])
                continue
            if result is not None:
                yield result

    def _skip(self, table, reason, where=None, detail=None):
        """A row left out: counted under ``reason``; with ``where``, also listed."""
        self.report.tables[table].skipped[reason] += 1
        if where is not None:
            self._problem(table, where, f"{reason}{f' ({detail})' if detail else ''} : ligne ignorée")

    def _problem(self, table, where, message):
        self.report.tables[table].problems.append((where, message))

    # --- The batch writer -----------------------------------------------------------

    def _batches(self, items):
        batch = []
        for item in items:
            batch.append(item)
            if len(batch) >= self.batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    def _write_all(self, table, spec_name, items, count=True, bar=None):
        """Write (object, where) pairs in batches. Nothing is kept: a batch's
        objects are freed once written (the messages would not fit in memory)."""
        for batch in self._batches(items):
            self._write(table, spec_name, batch, count=count)
            if bar is not None:
                bar.advance(len(batch))

    def _write(self, table, spec_name, batch, count=True):
        """Insert or update one batch in its own transaction. If the database
        refuses it, the rows are written one by one so that only the bad one
        is left out (and reported)."""
        spec = SPECS[spec_name]
        existing = set()
        if count:  # what the report counts as updated
            keys = [getattr(obj, spec.key) for obj, _where in batch]
            existing.update(
                spec.model._base_manager.filter(**{f"{spec.key}__in": keys}).values_list(spec.key, flat=True))
        try:
            with transaction.atomic():
                self._bulk(spec, [obj for obj, _where in batch])
            written = batch
        except DatabaseError:
            written = []
            for obj, where in batch:
                try:
                    with transaction.atomic():
                        self._bulk(spec, [obj])
                    written.append((obj, where))
                except DatabaseError as error:
                    self._skip(table, "refusée par la base de données", where, str(error).splitlines()[0][:200])
        if count:
            report = self.report.tables[table]
            for obj, _where in written:
                key = getattr(obj, spec.key)
                if key not in existing:
                    report.created += 1
                elif spec.insert_only:
                    report.skipped["déjà importée (le journal d'audit ne se modifie jamais)"] += 1
                else:
                    report.updated += 1
        return [obj for obj, _where in written]

    @staticmethod
    def _bulk(spec, objs):
        # ops.bulk writes the legacy created/updated dates as given
        # (bulk_create's pre_save would put the import's time in auto_now fields).
        if spec.insert_only:
            on_conflict = {"ignore_conflicts": True}
        else:
            on_conflict = {"update_fields": spec.update_fields, "unique_fields": spec.conflict_target}
        if isinstance(objs[0], tuple):  # a MessageRow or a ParticipantRow
            insert_rows(spec.model, objs[0]._fields, objs, **on_conflict)
        else:
            insert_objects(objs, **on_conflict)

    # --- users -----------------------------------------------------------------

    def _import_users(self, table):
        existing = {email: (pk, anonymised) for email, pk, anonymised in
                    User.objects.values_list("email", "pk", "anonymised_at")}
        anonymised = {pk for pk, when in existing.values() if when}
        self._write_all(table, "users", self._converted(table, self._users, existing, anonymised))
        forget_cached_users(self.users.values())  # bulk writes send no post_save to drop the logged-in copies
        # Who is who by e-mail, for the audit entries (which name their author so).
        self.user_by_email = dict(User.objects.values_list("email", "pk"))

    def _users(self, table, row, existing, anonymised):
        v = row.values
        pk = legacy_uuid(table, v.get("id"))
        email = normalize_email(v.get("email"))
        if not email:
            self._skip(table, "adresse e-mail vide", row.where)
            return None
        if email in self.user_by_email:  # the same address twice in the legacy table
            self.users[v.get("id")] = self.user_by_email[email]
            self._skip(table, "e-mail déjà lu plus haut : même compte", row.where, email)
            return None
        self.user_by_email[email] = pk
        owner, _when = existing.get(email, (None, None))
        if owner is not None and owner != pk:
            # The same person already has an account here (the first
            # admin, an early sign-up): their legacy rows go to it.
            self.users[v.get("id")] = owner
            self._skip(table, "un compte existe déjà ici avec cet e-mail : conservé, les données y sont rattachées",
                       row.where, email)
            return None
        if pk in anonymised:
            self._skip(table, "compte anonymisé ici (RGPD) : jamais réimporté", row.where)
            return None
        self.users[v.get("id")] = pk
        return self._user(table, row, pk, email), row.where

    def _user(self, table, row, pk, email):
        v = row.values
        password = text(v.get("password"))
        if is_raw_bcrypt(password):
            password = f"{LegacyBcryptPasswordHasher.algorithm}${password}"
        else:
            self._problem(table, row.where, "mot de passe non bcrypt : compte importé sans mot de passe utilisable "
                                            "(réinitialisation nécessaire)")
            password = make_password(None)
        preferences = self._json(table, row, "preferences")
        role = choice(v.get("role"), User.Role, User.Role.USER)
        created = legacy_datetime(v.get("createdAt")) or self.now
        updated = legacy_datetime(v.get("updatedAt")) or created
        active = legacy_bool(v.get("isActive")) is not False
        return User(
            id=pk, email=email, password=password, first_name=text(v.get("prenom"), 100),
            last_name=text(v.get("nom"), 100), role=role, is_active=active,
            is_staff=role == User.Role.ADMIN, is_superuser=role == User.Role.ADMIN,
            phone=text(v.get("telephone"), 20), address=text(v.get("adresse")), bio=text(v.get("bio")),
            preferences=preferences if isinstance(preferences, dict) else {},
            # They used the old platform with this address: verified. (Left
            # empty, an inactive account would look like an abandoned sign-up
            # and be purged.)
            email_verified_at=created, deactivated_at=None if active else updated,
            created_at=created, updated_at=updated,
        )

    def _json(self, table, row, column):
        try:
            return legacy_json(row.values.get(column))
        except ValueError:
            self._problem(table, row.where, f"JSON illisible dans « {column} » : valeur ignorée")
            return None

    def _linked(self, table, row, column, known, left_empty, *, required):
        """What ``known`` holds for the legacy id ``column`` names; None when
        empty or unknown (reported when optional: the caller skips a row
        whose ``required`` link is unknown)."""
        legacy = row.values.get(column)
        if legacy is None or legacy == "":
            return None
        found = known.get(legacy)
        if found is None and not required:
            self._problem(table, row.where, f"{column}={legacy} : {left_empty}")
        return found

    def _user_pk(self, table, row, column, *, required):
        return self._linked(table, row, column, self.users, "utilisateur inconnu, laissé vide", required=required)

    # --- tarifs -> services ----------------------------------------------------

    def _import_tarifs(self, table):
        by_name = dict(Service.objects.values_list("name", "pk"))
        for batch in self._batches(self._converted(table, self._tarifs, by_name, {})):
            for service in self._write(table, "tarifs", batch):
                self.services[service._legacy_id] = service.pk

    def _tarifs(self, table, row, by_name, seen):
        v = row.values
        pk = legacy_uuid(table, v.get("id"))
        name = text(v.get("nom"), 255)
        owner = seen.get(name) or by_name.get(name)
        if owner is not None and owner != pk:
            self.services[v.get("id")] = owner
            self._skip(table, "un service du même nom existe déjà : conservé, les commandes y sont rattachées",
                       row.where, name)
            return None
        seen[name] = pk
        price = positive(v.get("prix")) or 0
        created = legacy_datetime(v.get("createdAt")) or self.now
        per_page = "page" in text(v.get("prixFormate")).lower()
        service = Service(
            id=pk, name=name, description=text(v.get("description")), kind=text(v.get("typeService"), 100),
            pricing=Service.Pricing.PER_PAGE if per_page else Service.Pricing.FIXED, price=price,
            estimated_duration=text(v.get("dureeEstimee"), 100), is_active=legacy_bool(v.get("actif")) is not False,
            display_order=positive(v.get("ordre")) or 0, stripe_product_id=text(v.get("stripeProductId"), 255),
            stripe_price_id=text(v.get("stripePriceId"), 255),
            # That Stripe price was made for this amount: no new one is needed.
            stripe_price_amount=price if v.get("stripePriceId") else None,
            created_at=created, updated_at=legacy_datetime(v.get("updatedAt")) or created,
        )
        service._legacy_id = v.get("id")
        return service, row.where

    def _service_for_pack(self):
        """packType -> Service pk: a pack names a tariff by its id, its name
        or its type of service, in any case or accents."""
        lookup = {}
        for pk, name, kind in Service.objects.order_by("-is_active", "display_order").values_list("pk", "name", "kind"):
            lookup.setdefault(slugify(kind), pk)
            lookup[slugify(name)] = pk
        for legacy, pk in self.services.items():
            lookup[legacy] = pk
        return lookup

    # --- commandes -> orders ---------------------------------------------------

    def _import_commandes(self, table):
        packs = self._service_for_pack()
        self._write_all(table, "commandes", self._converted(table, self._commandes, packs))

    def _commandes(self, table, row, packs):
        v = row.values
        client = self._user_pk(table, row, "userId", required=True)
        if client is None:
            self._skip(table, "client inconnu", row.where, f"userId={v.get('userId')}")
            return None
        pk = legacy_uuid(table, v.get("id"))
        status = ORDER_STATUSES.get(v.get("statut"), v.get("statut"))
        if status not in _choice_values(Order.Status):
            self._problem(table, row.where, f"statut « {status} » inconnu : EN_ATTENTE")
            status = Order.Status.EN_ATTENTE
        pack = text(v.get("packType"))
        service = packs.get(pack) or packs.get(slugify(pack)) if pack else None
        if pack and service is None:
            self._problem(table, row.where, f"packType « {pack} » ne correspond à aucun service : commande "
                                            "sans service (facturée « Prestation éditoriale », prix conservés)")
        due = legacy_datetime(v.get("dateEcheance"))
        created = legacy_datetime(v.get("createdAt")) or self.now
        updated = legacy_datetime(v.get("updatedAt")) or created
        finished = legacy_datetime(v.get("dateFinition"))
        title = text(v.get("titre"), 255)
        self.orders[v.get("id")] = (pk, client, title)
        return Order(
            id=pk, client_id=client, service_id=service, title=title, description=text(v.get("description")),
            status=status, status_before_suspension=RESUMED_STATUS if status == Order.Status.SUSPENDUE else "",
            client_note=text(v.get("noteClient")), corrector_note=text(v.get("noteCorrecteur")),
            priority=choice(v.get("priorite"), Order.Priority, Order.Priority.NORMALE),
            due_date=timezone.localtime(due).date() if due else None,
            declared_pages=positive(v.get("pagesDeclarees")), verified_pages=positive(v.get("pagesVerifiees")),
            estimated_price=positive(v.get("prixEstime")), final_price=positive(v.get("prixFinal")),
            amount=positive(v.get("amount")),
            payment_status=PAYMENT_STATUSES.get(text(v.get("paymentStatus")).lower(), ""),
            stripe_session_id=text(v.get("stripeSessionId"), 255),
            finished_at=finished or (updated if status == Order.Status.TERMINE else None),
            created_at=created, updated_at=updated,
        ), row.where

    def _order(self, table, row, column, *, required):
        return self._linked(table, row, column, self.orders, "commande inconnue, laissée vide", required=required)

    # --- files -------------------------------------------------------------------

    def _import_files(self, table):
        for batch in self._batches(self._converted(table, self._files)):
            stored = {pk: (name, checksum, size, purged) for pk, name, checksum, size, purged in
                      StoredFile.objects.filter(pk__in=[obj.pk for obj, _where in batch])
                      .values_list("pk", "file", "checksum", "size", "content_purged_at")}
            for obj, where in batch:
                self._attach_bytes(table, obj, where, stored.get(obj.pk))
            for obj in self._write(table, "files", batch):
                self.files[obj._legacy_id] = obj.pk
        if self.uploads_dir is None and self.files:
            self.report.tables[table].notes.append(
                "sans --uploads-dir : métadonnées seules, contenus marqués indisponibles")

    def _files(self, table, row):
        v = row.values
        uploader = self._user_pk(table, row, "uploadedById", required=True)
        if uploader is None:
            self._skip(table, "déposant inconnu", row.where, f"uploadedById={v.get('uploadedById')}")
            return None
        order = self._order(table, row, "commandeId", required=False)
        if order is None:
            role = StoredFile.Role.ATTACHMENT
        else:
            role = StoredFile.Role.MANUSCRIPT if order[1] == uploader else StoredFile.Role.DELIVERABLE
        created = legacy_datetime(v.get("createdAt")) or self.now
        category = choice(v.get("type"), StoredFile.Category, StoredFile.Category.OTHER)
        stored = StoredFile(
            id=legacy_uuid(table, v.get("id")), original_name=text(v.get("filename"), 255), file="",
            mime_type=text(v.get("mimeType"), 100), size=positive(v.get("size")) or 0, category=category,
            role=role, uploaded_by_id=uploader, order_id=order[0] if order else None,
            description=text(v.get("description")), is_public=bool(legacy_bool(v.get("isPublic"))),
            checksum="", created_at=created, updated_at=legacy_datetime(v.get("updatedAt")) or created,
        )
        stored._legacy_id = v.get("id")
        stored._names = (v.get("storedName"), v.get("url"))
        return stored, row.where

    def _attach_bytes(self, table, stored, where, previous):
        """Copy the file's bytes from --uploads-dir into our storage, unless a
        previous run already did. A file not found is imported as "content
        unavailable" (its bytes were lost) and reported."""
        if previous and previous[0] and previous[1] and not previous[3]:
            stored.file, stored.checksum, stored.size, stored.content_purged_at = previous
            return
        path = self._find_upload(*stored._names)
        if path is None:
            if self.uploads_dir is not None:
                self._problem(table, where, f"fichier absent de {self.uploads_dir} : « {stored._names[0]} » "
                                            "(importé comme contenu indisponible)")
            stored.content_purged_at = self.now
            return
        if self.dry_run:
            return
        storage = StoredFile._meta.get_field("file").storage
        with path.open("rb") as handle:
            try:
                extension = detect_kind(handle).extension
            except Exception:  # noqa: BLE001 — an unreadable archive is still kept, as bytes
                extension = "bin"
            key = f"uploads/{stored.created_at:%Y}/{stored.created_at:%m}/{stored.pk.hex}.{extension}"
            stored.file = storage.save(key, File(handle), max_length=500)
        stored.checksum, stored.size = _sha256(path), path.stat().st_size

    def _find_upload(self, *names):
        """The file of the legacy uploads folder (uploads/{projects,orders,
        messages,invoices}/…) named by its stored name or its URL's last part."""
        if self.uploads_dir is None:
            return None
        if self._upload_index is None:
            self._upload_index = {}
            for folder, _dirs, filenames in os.walk(self.uploads_dir):
                for filename in filenames:
                    self._upload_index.setdefault(filename, Path(folder) / filename)
        for name in names:
            if name:
                found = self._upload_index.get(os.path.basename(unquote(urlparse(str(name)).path)))
                if found is not None:
                    return found
        return None

    # --- messages -> conversations, messages, visitor tickets ------------------------

    def _import_messages(self, table):
        """Messages are kept in memory until the table is read, then written
        in date order: our message ids grow in sending order inside a
        conversation (the thread, the "new messages" poll and the read state
        rely on it)."""
        known = dict(Message.objects.filter(legacy_id__isnull=False).values_list("legacy_id", "pk"))
        kept = sorted(self._converted(table, self._messages), key=lambda m: (m.created_at, m.legacy_id))
        next_id = (Message.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        for message in kept:
            if message.legacy_id in known:
                message.id = known[message.legacy_id]
            else:
                message.id, next_id = next_id, next_id + 1
            self.messages[message.legacy_id] = message.id
        by_conversation = defaultdict(list)
        for message in kept:
            by_conversation[message.conversation_key].append(message)
        self._write_conversations(table, by_conversation)

    def _messages(self, table, row):
        v = row.values
        if legacy_bool(v.get("deletedByAdmin")):
            self._skip(table, "supprimé par l'équipe dans l'ancien système")
            return None
        if v.get("statut") == "BROUILLON":
            self._skip(table, "brouillon jamais envoyé")
            return None
        sender = self._user_pk(table, row, "senderId", required=True)
        if sender is None and v.get("senderId"):
            self._skip(table, "expéditeur inconnu", row.where, f"senderId={v.get('senderId')}")
            return None
        content = text(v.get("content"))
        if len(content) > MAX_CONTENT_LENGTH:
            self._problem(table, row.where, f"message de plus de {MAX_CONTENT_LENGTH} caractères : tronqué")
            content = content[:MAX_CONTENT_LENGTH]
        created = legacy_datetime(v.get("createdAt")) or self.now
        message_type = choice(v.get("type"), Message.Type, Message.Type.USER_MESSAGE)
        read = bool(legacy_bool(v.get("isRead"))) or v.get("statut") in MESSAGE_STATUSES_READ
        visitor_email = "" if sender else normalize_email(v.get("visitorEmail"))[:254]
        return LegacyMessage(
            legacy_id=str(v.get("id")), where=row.where, conversation_key=text(v.get("conversationId")),
            sender=sender, receiver=self._user_pk(table, row, "receiverId", required=False),
            visitor_name="" if sender else text(v.get("visitorName"), 150), visitor_email=visitor_email,
            subject=text(v.get("subject"), 255), content=content.encode(), type=message_type,
            status=Message.Status.LU if read else (
                choice(v.get("statut"), Message.Status, Message.Status.ENVOYE)),
            is_read=read, is_archived=bool(legacy_bool(v.get("isArchived"))),
            is_pinned=bool(legacy_bool(v.get("isPinned"))), parent=v.get("parentId") or None,
            created_at=created, updated_at=legacy_datetime(v.get("updatedAt")) or created,
        )

    def _conversation_order(self, key):
        """The order a legacy conversationId is about: the order's id itself,
        or an order id inside it ("commande-<uuid>")."""
        if key in self.orders:
            return self.orders[key]
        for candidate in UUID_IN_TEXT.findall(key):
            if candidate in self.orders:
                return self.orders[candidate]
        return None

    def _write_conversations(self, table, by_conversation):
        order_conversations = dict(
            Conversation.objects.filter(order__isnull=False).values_list("order_id", "pk")
        )
        conversations, tickets, kept = [], [], []
        visitor_threads = []
        for key, thread in by_conversation.items():
            first = thread[0]
            order = self._conversation_order(key)
            if any(m.sender is None and m.visitor_email for m in thread):
                visitor_threads.append((key, thread))
                continue
            if order is not None:
                # One conversation per order: legacy threads of one order merge,
                # and join the one our site may already have opened.
                pk = order_conversations.setdefault(order[0], legacy_uuid("conversations", key))
                conversation = Conversation(id=pk, kind=Conversation.Kind.ORDER, subject=order[2], order_id=order[0],
                                            created_by=None, created_at=first.created_at)
            else:
                subject = next((m.subject for m in thread if m.subject), "") or "Conversation importée"
                conversation = Conversation(
                    id=legacy_uuid("conversations", key), kind=Conversation.Kind.DIRECT, subject=subject,
                    created_by_id=first.sender, created_at=first.created_at,
                )
            conversations.append((conversation, first.where, thread, {order[1]} if order else set()))
        numbers = self._ticket_numbers([legacy_uuid("visitor_tickets", key) for key, _thread in visitor_threads])
        for key, thread in visitor_threads:
            conversation, ticket = self._visitor_ticket(key, thread, numbers)
            conversations.append((conversation, thread[0].where, thread, set()))
            tickets.append((ticket, thread[0].where))

        merged = {}  # conversations of one order written once
        for conversation, where, thread, extra_users in conversations:
            entry = merged.setdefault(conversation.pk, [conversation, where, [], set()])
            entry[2].extend(thread)
            entry[3].update(extra_users)
        for conversation, _where, thread, _extra_users in merged.values():
            thread.sort(key=lambda m: m.id)
            self._link_thread(table, conversation, thread)
            kept.extend(thread)
            conversation.last_message_at = thread[-1].created_at

        pairs = [(c, where) for c, where, _thread, _users in merged.values()]
        self._write_all(table, "conversations", pairs, count=False)
        # In id order, model instances made batch by batch (a million of them
        # at once would not fit in memory); a bar of its own, as the table is
        # read by now.
        kept.sort(key=lambda m: m.id)
        with progress(self.stdout, "messages (écriture)", total=len(kept)) if self.stdout else nullcontext() as bar:
            self._write_all(table, "messages", map(self._message_row, kept), bar=bar)
        participants = (participant for conversation, _where, thread, extra_users in merged.values()
                        for participant in self._participants(conversation, thread, extra_users))
        self._write_all(table, "participants", participants, count=False)
        self._write_all("support_requests", "tickets", tickets, count=False)
        # The denormalised last message, once the messages exist.
        for conversation, _where, thread, _users in merged.values():
            conversation.last_message_id = thread[-1].id
        self._write_all(table, "conversation_last_message", pairs, count=False)
        self.report.tables[table].notes.append(
            f"{len(merged)} conversations, dont {len(tickets)} tickets de visiteurs (messages sans compte)")

    def _visitor_ticket(self, key, thread, numbers):
        """A visitor's messages (no account) become what our contact form makes:
        a ticket with its SUPPORT conversation."""
        first = next(m for m in thread if m.sender is None and m.visitor_email)
        staff_replies = [m for m in thread if m.sender is not None]
        ticket_pk = legacy_uuid("visitor_tickets", key)
        title = first.subject or f"Message de {first.visitor_name or first.visitor_email}"
        number = numbers[ticket_pk]
        conversation = Conversation(
            id=legacy_uuid("conversations", key), kind=Conversation.Kind.SUPPORT,
            subject=f"#{number} {title}"[:255], created_by=None, created_at=first.created_at,
        )
        last = thread[-1]
        if not staff_replies:
            status = Ticket.Status.OUVERT
        elif last.sender is not None:
            status = Ticket.Status.FERME  # the team had the last word: the exchange is over
        else:
            status = Ticket.Status.EN_COURS
        ticket = Ticket(
            id=ticket_pk, number=number, visitor_name=first.visitor_name or first.visitor_email,
            visitor_email=first.visitor_email, title=title[:255], description=first.content.decode(),
            source=Ticket.Source.CONSULTATION if first.type == Message.Type.CONSULTATION_REQUEST else
            Ticket.Source.CONTACT, status=status, conversation_id=conversation.pk,
            first_response_at=staff_replies[0].created_at if staff_replies else None,
            closed_at=last.created_at if status == Ticket.Status.FERME else None,
            created_at=first.created_at, updated_at=last.updated_at,
        )
        self._ticket_sla(ticket)
        return conversation, ticket

    def _link_thread(self, table, conversation, thread):
        """Place each message of ``thread`` (sorted by id) in its conversation
        and its reply thread."""
        ids = {m.legacy_id: m for m in thread}
        for message in thread:
            message.conversation_pk = conversation.pk
            parent = ids.get(message.parent) if message.parent else None
            if message.parent and (parent is None or parent.id >= message.id):
                self._problem(table, message.where, f"parentId={message.parent} : message d'origine absent de "
                                                    "cette conversation, réponse importée sans fil")
                parent = None
            message.parent_id = parent.id if parent else None
            message.root = (parent.root or parent.id) if parent else None

    @staticmethod
    def _message_row(message):
        return MessageRow(
            id=message.id, conversation_id=message.conversation_pk, sender_id=message.sender,
            visitor_name=message.visitor_name, visitor_email=message.visitor_email, content=message.content.decode(),
            subject=message.subject, type=message.type, status=message.status, parent_id=message.parent_id,
            thread_root_id=message.root, is_pinned=message.is_pinned, created_at=message.created_at,
            updated_at=message.updated_at, legacy_id=message.legacy_id,
        ), message.where

    def _participants(self, conversation, thread, extra_users):
        """Everyone who wrote or was written to, with their read marker: up to
        their own last message, and on through the messages they had read."""
        users = {u for m in thread for u in (m.sender, m.receiver) if u} | extra_users
        last_own, archived = {}, defaultdict(list)  # user -> their last message; is_archived of what they received
        for message in thread:
            last_own[message.sender] = message.id
            if message.receiver:
                archived[message.receiver].append(message.is_archived)
        unread = [index for index, message in enumerate(thread) if not message.is_read]
        for user in users:
            # Their reading stops before the first message of someone else
            # they had not read (a pass per user over the thread was too slow).
            stop = next((index for index in unread if thread[index].sender != user), len(thread))
            last_read = max(last_own.get(user, 0), thread[stop - 1].id if stop else 0)
            yield ParticipantRow(
                conversation_id=conversation.pk, user_id=user, last_read_message_id=last_read,
                archived=bool(archived[user]) and all(archived[user]), joined_at=thread[0].created_at,
            ), thread[0].where

    # --- message_attachments ----------------------------------------------------

    def _import_message_attachments(self, table):
        self._write_all(table, "message_attachments", self._converted(table, self._attachments))

    def _attachments(self, table, row):
        v = row.values
        message, stored = self.messages.get(v.get("messageId")), self.files.get(v.get("fileId"))
        if message is None:
            self._skip(table, "message inconnu ou non importé", row.where, f"messageId={v.get('messageId')}")
            return None
        if stored is None:
            self._skip(table, "fichier inconnu", row.where, f"fileId={v.get('fileId')}")
            return None
        return MessageAttachment(message_id=message, stored_file_id=stored, legacy_id=str(v.get("id")),
                                created_at=self.now), row.where

    # --- support_requests -> tickets ------------------------------------------------

    def _ticket_numbers(self, pks):
        """Ticket numbers: kept for the tickets of a previous run, the next ones
        of our counter (support.models.TicketNumber) for the new ones."""
        numbers = dict(Ticket.objects.filter(pk__in=pks).values_list("pk", "number"))
        new = [pk for pk in pks if pk not in numbers]
        if new:
            TicketNumber.objects.get_or_create(pk=1)
            with transaction.atomic():
                counter = TicketNumber.objects.select_for_update().get(pk=1)
                start = counter.last + 1
                counter.last += len(new)
                counter.save(update_fields=["last"])
            numbers.update(zip(new, range(start, start + len(new)), strict=True))
        return numbers

    @staticmethod
    def _ticket_sla(ticket):
        """The SLA fields as support.services keeps them: deadlines from the
        opening, the clock stopped while waiting for the requester."""
        sla.sla_set_due_times(ticket, start=ticket.created_at)
        if ticket.status in (Ticket.Status.EN_ATTENTE, Ticket.Status.RESOLU):
            sla.sla_pause(ticket, now=ticket.updated_at)
        sla.sla_refresh(ticket)

    def _import_support_requests(self, table):
        for batch in self._batches(self._converted(table, self._support_requests)):
            numbers = self._ticket_numbers([ticket.pk for ticket, _message, _where in batch])
            known = dict(Message.objects.filter(legacy_id__in=[m.legacy_id for _t, m, _w in batch])
                         .values_list("legacy_id", "pk"))
            next_id = (Message.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
            conversations, messages, participants = [], [], []
            for ticket, message, where in batch:
                ticket.number = numbers[ticket.pk]
                if message.legacy_id in known:
                    message.id = known[message.legacy_id]
                else:
                    message.id, next_id = next_id, next_id + 1
                conversation = Conversation(
                    id=ticket.conversation_id, kind=Conversation.Kind.SUPPORT,
                    subject=f"#{ticket.number} {ticket.title}"[:255], created_by_id=ticket.requester_id,
                    created_at=ticket.created_at, last_message_id=None, last_message_at=ticket.created_at,
                )
                conversations.append((conversation, where))
                messages.append((message, where))
                participants.append((ParticipantRow(
                    conversation_id=conversation.pk, user_id=ticket.requester_id, last_read_message_id=message.id,
                    archived=False, joined_at=ticket.created_at), where))
            self._write(table, "conversations", conversations, count=False)
            self._write(table, "messages", messages, count=False)
            self._write(table, "participants", participants, count=False)
            self._write(table, "tickets", [(t, w) for t, _m, w in batch])
            for (conversation, _where), (message, _w) in zip(conversations, messages, strict=True):
                conversation.last_message_id = message.id
            self._write(table, "conversation_last_message", conversations, count=False)

    def _support_requests(self, table, row):
        v = row.values
        requester = self._user_pk(table, row, "userId", required=True)
        if requester is None:
            self._skip(table, "demandeur inconnu", row.where, f"userId={v.get('userId')}")
            return None
        pk = legacy_uuid(table, v.get("id"))
        created = legacy_datetime(v.get("createdAt")) or self.now
        status = choice(v.get("status"), Ticket.Status, Ticket.Status.OUVERT)
        ticket = Ticket(
            id=pk, number=0, requester_id=requester, title=text(v.get("title"), 255),
            description=text(v.get("description")),
            category=choice(v.get("category"), Ticket.Category, Ticket.Category.GENERAL),
            priority=choice(v.get("priority"), Ticket.Priority, Ticket.Priority.NORMALE),
            status=status, source=TICKET_SOURCES.get(text(v.get("source")).lower(), Ticket.Source.WEB),
            tags=text(v.get("tags"), 500), assigned_to_id=self._user_pk(table, row, "assignedToId", required=False),
            conversation_id=legacy_uuid("support_conversations", v.get("id")),
            first_response_at=legacy_datetime(v.get("firstResponseAt")),
            resolved_at=legacy_datetime(v.get("resolvedAt")), closed_at=legacy_datetime(v.get("closedAt")),
            created_at=created, updated_at=legacy_datetime(v.get("updatedAt")) or created,
        )
        self._ticket_sla(ticket)
        # The request is the first message of the ticket's conversation, as
        # support.services writes it.
        message = Message(
            conversation_id=ticket.conversation_id, sender_id=requester, content=ticket.description[
                :MAX_CONTENT_LENGTH], type=Message.Type.USER_MESSAGE, status=Message.Status.ENVOYE,
            created_at=created, updated_at=created, legacy_id=f"support_requests:{v.get('id')}",
        )
        return ticket, message, row.where

    # --- payment_methods -----------------------------------------------------------

    def _import_payment_methods(self, table):
        taken = dict(PaymentMethod.objects.values_list("stripe_payment_method_id", "pk"))
        self._write_all(table, "payment_methods", self._converted(table, self._payment_methods, taken))

    def _payment_methods(self, table, row, taken):
        v = row.values
        user = self._user_pk(table, row, "userId", required=True)
        if user is None:
            self._skip(table, "titulaire inconnu", row.where, f"userId={v.get('userId')}")
            return None
        pk, stripe_id = legacy_uuid(table, v.get("id")), text(v.get("stripePaymentMethodId"), 255)
        if taken.setdefault(stripe_id, pk) != pk:
            self._skip(table, "carte Stripe déjà enregistrée ici", row.where, stripe_id)
            return None
        created = legacy_datetime(v.get("createdAt")) or self.now
        return PaymentMethod(
            id=pk, user_id=user, stripe_payment_method_id=stripe_id, brand=text(v.get("brand"), 50),
            last4=text(v.get("last4"), 4), exp_month=positive(v.get("expMonth")) or 1,
            exp_year=positive(v.get("expYear")) or 1, fingerprint=text(v.get("fingerprint"), 255),
            is_default=bool(legacy_bool(v.get("isDefault"))), is_active=legacy_bool(v.get("isActive")) is not False,
            created_at=created, updated_at=legacy_datetime(v.get("updatedAt")) or created,
        ), row.where

    # --- invoices ------------------------------------------------------------------

    def _import_invoices(self, table):
        taken_numbers = dict(Invoice.objects.values_list("number", "pk"))
        invoiced_orders = dict(Invoice.objects.values_list("order_id", "pk"))
        legacy_numbers = set()  # every number the old system issued, imported or not
        rows = self._converted(table, self._invoice_rows, taken_numbers, invoiced_orders, legacy_numbers)
        for batch in self._batches(rows):
            orders = Order.objects.select_related("service", "client").in_bulk([o for _row, o in batch])
            previous = dict(Invoice.objects.filter(pk__in=[legacy_uuid(table, row.values.get("id"))
                                                           for row, _o in batch]).values_list("pk", "pdf"))
            invoices = [(self._invoice(table, row, orders[order], previous), row.where) for row, order in batch]
            self._write(table, "invoices", invoices)
        self._continue_numbering(taken_numbers.keys() | legacy_numbers)

    def _invoice_rows(self, table, row, taken_numbers, invoiced_orders, legacy_numbers):
        v = row.values
        legacy_numbers.add(text(v.get("number"), 50))
        order = self._order(table, row, "commandeId", required=True)
        if order is None:
            self._skip(table, "commande inconnue", row.where, f"commandeId={v.get('commandeId')}")
            return None
        pk, number = legacy_uuid(table, v.get("id")), text(v.get("number"), 50)
        if invoiced_orders.setdefault(order[0], pk) != pk:
            # Our invoice is one-to-one with its order.
            self._skip(table, "deuxième facture de la même commande (une seule par commande ici)", row.where,
                       number)
            return None
        if taken_numbers.setdefault(number, pk) != pk:
            self._skip(table, "numéro de facture déjà utilisé ici", row.where, number)
            return None
        return row, order[0]

    def _invoice(self, table, row, order, previous):
        """The invoice as issued: number and amounts of the legacy row (TTC and
        VAT; HT is their difference), the snapshots billing.invoicing takes."""
        v = row.values
        pk = legacy_uuid(table, v.get("id"))
        ttc, vat = positive(v.get("amount")) or 0, min(positive(v.get("taxAmount")) or 0, positive(v.get("amount")) or 0)
        ht = ttc - vat
        rate = (Decimal(vat) * 100 / ht).quantize(Decimal("0.01")) if ht and vat else Decimal("0.00")
        created = legacy_datetime(v.get("createdAt")) or self.now
        issued = legacy_datetime(v.get("issuedAt")) or created
        status = choice(v.get("status"), Invoice.Status, Invoice.Status.GENERATED)
        invoice = Invoice(
            id=pk, order_id=order.pk, number=text(v.get("number"), 50), status=status, amount_ht=ht, vat_amount=vat,
            amount_ttc=ttc, vat_rate=rate, vat_exempt=vat == 0, seller=seller_snapshot(vat_exempt=vat == 0),
            buyer=buyer_snapshot(user=order.client), lines=invoice_lines_for_order(order=order, total=ttc),
            issued_at=issued, due_at=legacy_datetime(v.get("dueAt")) or issued + timedelta(
                days=settings.INVOICE_DUE_DAYS),
            paid_at=legacy_datetime(v.get("paidAt")), created_at=created,
            updated_at=legacy_datetime(v.get("updatedAt")) or created,
        )
        invoice.pdf.name = previous.get(pk) or self._invoice_pdf(table, row, invoice)
        return invoice

    def _invoice_pdf(self, table, row, invoice):
        """The legacy PDF copied into our storage; '' when missing (our
        renderer then draws one from the invoice's data at first download)."""
        path = self._find_upload(row.values.get("pdfUrl"))
        if path is None:
            if self.uploads_dir is not None:
                self._problem(table, row.where, f"PDF absent de {self.uploads_dir} : « {row.values.get('pdfUrl')} » "
                                                "(il sera redessiné à la première demande)")
            return ""
        if self.dry_run:
            return ""
        storage = Invoice._meta.get_field("pdf").storage
        key = f"invoices/{timezone.localtime(invoice.issued_at):%Y}/{slugify(invoice.number) or invoice.pk}.pdf"
        with path.open("rb") as handle:
            return storage.save(key, File(handle), max_length=500)

    def _continue_numbering(self, numbers):
        """Legacy numbers written like ours (FACT-2025-0042) hold their place:
        our series of that year continues after the highest, so it never hands
        out a number already issued."""
        highest = {}
        for number in numbers:
            match = FACT_NUMBER.match(number)
            if match:
                year, value = int(match.group(1)), int(match.group(2))
                highest[year] = max(highest.get(year, 0), value)
        for year, value in highest.items():
            counter, _created = DocumentCounter.objects.get_or_create(prefix=INVOICE_PREFIX, year=year)
            if counter.last_number < value:
                DocumentCounter.objects.filter(pk=counter.pk).update(last_number=value)
                self.report.tables["invoices"].notes.append(
                    f"série {INVOICE_PREFIX}-{year} : nos prochains numéros suivent {INVOICE_PREFIX}-{year}-{value:04d}")

    # --- notifications -------------------------------------------------------------

    def _import_notifications(self, table):
        self._write_all(table, "notifications", self._converted(table, self._notifications))

    def _notifications(self, table, row):
        v = row.values
        user = self._user_pk(table, row, "userId", required=True)
        if user is None:
            self._skip(table, "destinataire inconnu", row.where, f"userId={v.get('userId')}")
            return None
        created = legacy_datetime(v.get("createdAt")) or self.now
        return Notification(
            legacy_id=str(v.get("id")), user_id=user, title=text(v.get("title"), 255),
            message=text(v.get("message")),
            type=choice(v.get("type"), Notification.Type, Notification.Type.INFO),
            priority=choice(v.get("priority"), Notification.Priority, Notification.Priority.NORMALE),
            data=self._text_json(v.get("data")), action_url=text(v.get("actionUrl"), 500),
            is_read=bool(legacy_bool(v.get("isRead"))), read_at=legacy_datetime(v.get("readAt")),
            is_deleted=bool(legacy_bool(v.get("isDeleted"))),
            # Ours expire after NOTIFICATION_LIFETIME: the same for old ones without a date.
            expires_at=legacy_datetime(v.get("expiresAt")) or created + NOTIFICATION_LIFETIME,
            created_at=created,
        ), row.where

    @staticmethod
    def _text_json(value):
        """A text column holding JSON (or not): a dict for our JSON fields."""
        if not value:
            return {}
        try:
            data = legacy_json(value)
        except ValueError:
            return {"texte": str(value)}
        return data if isinstance(data, dict) else {"valeur": data}

    # --- pages and faqs ---------------------------------------------------------------

    def _import_pages(self, table):
        taken = dict(Page.objects.values_list("slug", "pk"))
        # A published page has its version, as cms.services writes it on
        # publication (an order's accepted CGV points at one).
        live = [page.pk for batch in self._batches(self._converted(table, self._pages, taken))
                for page in self._write(table, "pages", batch)
                if page.status in (Page.Status.PUBLISHED, Page.Status.SCHEDULED)]
        for page in Page.objects.filter(pk__in=live):
            _write_revision(page=page, live_at=page.published_at or page.created_at, by=None)

    def _pages(self, table, row, taken):
        v = row.values
        pk, slug = legacy_uuid(table, v.get("id")), text(v.get("slug"), 255)
        if taken.setdefault(slug, pk) != pk:
            self._skip(table, "adresse (slug) déjà prise par une page d'ici : la page d'ici est conservée",
                       row.where, slug)
            return None
        created = legacy_datetime(v.get("createdAt")) or self.now
        return Page(
            id=pk, title=text(v.get("title"), 255), slug=slug, content=text(v.get("content")),
            excerpt=text(v.get("excerpt")),
            type=choice(v.get("type"), Page.Type, Page.Type.PAGE),
            status=choice(v.get("status"), Page.Status, Page.Status.DRAFT),
            meta_title=text(v.get("metaTitle"), 255), meta_description=text(v.get("metaDescription")),
            meta_keywords=text(v.get("metaKeywords")), category=text(v.get("category"), 100),
            tags=text(v.get("tags"), 500), sort_order=int(v.get("sortOrder") or 0),
            is_public=legacy_bool(v.get("isPublic")) is not False, require_auth=bool(legacy_bool(v.get("requireAuth"))),
            published_at=legacy_datetime(v.get("publishedAt")), created_at=created,
            updated_at=legacy_datetime(v.get("updatedAt")) or created,
        ), row.where

    def _import_faqs(self, table):
        self._write_all(table, "faqs", self._converted(table, self._faqs))

    def _faqs(self, table, row):
        v = row.values
        created = legacy_datetime(v.get("createdAt")) or self.now
        return FAQ(
            id=legacy_uuid(table, v.get("id")), question=text(v.get("question")), answer=text(v.get("answer")),
            details=text(v.get("details")), category=text(v.get("categorie"), 100), order=int(v.get("ordre") or 0),
            visible=legacy_bool(v.get("visible")) is not False, created_at=created,
            updated_at=legacy_datetime(v.get("updatedAt")) or created,
        ), row.where

    # --- audit_logs ----------------------------------------------------------------

    def _import_audit_logs(self, table):
        self._write_all(table, "audit_logs", self._converted(table, self._audit_logs))

    def _audit_logs(self, table, row):
        v = row.values
        email = normalize_email(v.get("adminEmail"))
        target_type, target_table = AUDIT_TARGETS.get(v.get("targetType"), (text(v.get("targetType"), 100), None))
        target_id = text(v.get("targetId"), 191)
        if target_id and target_table:
            target_id = str(legacy_uuid(target_table, target_id))  # so the admin links to our row
        return AuditLog(
            legacy_id=str(v.get("id")),
            timestamp=legacy_datetime(v.get("timestamp")) or legacy_datetime(v.get("createdAt")) or self.now,
            actor_id=self.user_by_email.get(email), actor_email=email, action=text(v.get("action"), 100),
            target_type=target_type, target_id=target_id, details=self._text_json(v.get("details")),
            ip_address=_ip_or_none(v.get("ipAddress")),
            user_agent=text(v.get("userAgent"), AuditLog.USER_AGENT_MAX_LENGTH),
            severity=choice(v.get("severity"), AuditLog.Severity, AuditLog.Severity.MEDIUM),
        ), row.where

    # --- password_resets, pending_commandes: counted, not imported --------------------

    def _import_password_resets(self, table):
        for row in self._rows(table):
            expires = legacy_datetime(row.values.get("expiresAt"))
            if expires is None or expires <= self.now:
                self._skip(table, "demande expirée")
            else:
                # Our reset links are signed (Django's token generator), never
                # stored: a legacy token cannot be carried over.
                self._skip(table, "demande encore valide non reprise : nos liens de réinitialisation sont signés, "
                                  "pas stockés ; l'utilisateur en redemande un")

    def _import_pending_commandes(self, table):
        for row in self._rows(table):
            if legacy_bool(row.values.get("isProcessed")):
                self._skip(table, "déjà traitée (compte et commande importés avec leurs tables)")
            else:
                # A checkout never completed by someone without an account: no
                # account was activated nor order paid; the visitor orders again.
                self._skip(table, "commande jamais finalisée (paiement non abouti, compte jamais activé) : "
                                  "non reprise")


def _ip_or_none(value):
    try:
        return str(ipaddress.ip_address(str(value).strip())) if value else None
    except ValueError:
        return None


def _sha256(path):
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()
