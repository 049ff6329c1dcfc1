"""manage.py import_legacy on a hand-written dump of the old system
(fixtures/legacy-dump.sql: every legacy enum value, accents, emojis, MySQL
escapes, NULLs, orphans, real bcrypt hashes)."""

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import uuid
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.hashers import get_hasher, identify_hasher
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.hashers import LegacyBcryptPasswordHasher
from accounts.models import User
from billing.models import DocumentCounter, Invoice, PaymentMethod
from cms.models import FAQ, Page, PageRevision
from core.models import AuditLog
from files.models import StoredFile
from messaging.models import Conversation, Message, MessageAttachment, Participant
from notifications.models import Notification
from ops.legacy.importer import LEGACY_NAMESPACE, legacy_uuid
from orders.models import Order, Service
from support.models import Ticket, TicketNumber

pytestmark = pytest.mark.django_db

DUMP = Path(__file__).with_name("fixtures") / "legacy-dump.sql"
ADMIN = uuid.UUID("a0000000-0000-4000-8000-000000000001")
HELENE = uuid.UUID("a0000000-0000-4000-8000-000000000002")
CORRECTOR = uuid.UUID("a0000000-0000-4000-8000-000000000003")
INACTIVE = uuid.UUID("a0000000-0000-4000-8000-000000000004")


def order_pk(n):
    return uuid.UUID(f"b0000000-0000-4000-8000-{n:012d}")


def file_pk(n):
    return uuid.UUID(f"c0000000-0000-4000-8000-{n:012d}")


def message_id(n):
    return f"d0000000-0000-4000-8000-{n:012d}"


def run(*args, **options):
    """The command's JSON report."""
    out = StringIO()
    call_command("import_legacy", *args, json=True, stdout=out, stderr=StringIO(), **options)
    return json.loads(out.getvalue())


def counts():
    return {model.__name__: model.objects.count() for model in (
        User, Service, Order, StoredFile, Conversation, Message, MessageAttachment, Participant, Ticket,
        PaymentMethod, Invoice, Notification, Page, FAQ, AuditLog, PageRevision,
    )}


# --- A full import ---------------------------------------------------------------

def test_full_import_counts_per_table():
    report = run(dump=str(DUMP))
    tables = report["tables"]
    expected = {  # table: (read, created, skipped)
        "users": (5, 5, 0), "tarifs": (2, 2, 0), "commandes": (10, 9, 1), "files": (7, 6, 1),
        "messages": (11, 8, 3), "message_attachments": (4, 2, 2), "support_requests": (7, 6, 1),
        "payment_methods": (2, 1, 1), "invoices": (7, 5, 2), "notifications": (10, 9, 1), "pages": (6, 6, 0),
        "faqs": (2, 2, 0), "audit_logs": (7, 7, 0), "password_resets": (2, 0, 2), "pending_commandes": (2, 0, 2),
    }
    assert {name: (t["read"], t["created"], t["skipped"]) for name, t in tables.items()} == expected
    assert all(t["updated"] == 0 for t in tables.values())
    assert counts() == {
        "User": 5, "Service": 2, "Order": 9, "StoredFile": 6, "Conversation": 3 + 6, "Message": 8 + 6,
        "MessageAttachment": 2, "Participant": 2 + 2 + 1 + 6, "Ticket": 1 + 6, "PaymentMethod": 1, "Invoice": 5,
        "Notification": 9, "Page": 6, "FAQ": 2, "AuditLog": 7, "PageRevision": 3,
    }
    assert report["source_problems"] == []


def test_users_keep_their_ids_text_and_roles():
    run(dump=str(DUMP))
    helene = User.objects.get(pk=HELENE)
    assert helene.email == "helene@example.fr"
    assert (helene.first_name, helene.last_name) == ("Hélène", "O'Brien \"Lulu\"")
    assert helene.address == "12 rue de l'Église\nBâtiment B"
    assert helene.bio == "Romancière 📚 — C:\\dossier\\livre\tfin\0nul"
    assert helene.preferences == {"theme": "sombre", "notifications": {"email": True}}
    assert helene.phone == "+33 6 12 34 56 78"
    assert helene.email_verified_at is not None and helene.created_at.isoformat() == "2024-04-01T10:00:00+00:00"
    assert helene.updated_at.microsecond == 456000  # datetime(3) kept
    admin = User.objects.get(email="admin@staka-livres.fr")  # normalised
    assert admin.pk == ADMIN and admin.role == User.Role.ADMIN and admin.is_staff and admin.is_superuser
    assert User.objects.get(pk=CORRECTOR).role == User.Role.CORRECTOR
    inactive = User.objects.get(pk=INACTIVE)
    assert not inactive.is_active and inactive.deactivated_at is not None
    assert not inactive.has_usable_password() and inactive.preferences == {}
    # An id that is not a UUID: a uuid5 of table and id, the same at every run.
    cuid = User.objects.get(email="cuid@example.fr")
    assert cuid.pk == uuid.uuid5(LEGACY_NAMESPACE, "users:cku1legacy0000user5") == legacy_uuid("users", "cku1legacy0000user5")


def test_orders_statuses_prices_and_services():
    run(dump=str(DUMP))
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses[order_pk(3)] == Order.Status.EN_ATTENTE_VERIFICATION  # was EN_ATTENTE_CONSULTATION
    assert statuses[order_pk(4)] == Order.Status.ESTIMATION_ENVOYEE
    assert {statuses[order_pk(n)] for n in range(1, 10)} == set(Order.Status.values) - {
        Order.Status.LIVREE, Order.Status.EN_ATTENTE_VERIFICATION} | {Order.Status.EN_ATTENTE_VERIFICATION}
    suspended = Order.objects.get(pk=order_pk(9))
    assert suspended.status == Order.Status.SUSPENDUE and suspended.status_before_suspension == Order.Status.EN_COURS
    quoted = Order.objects.get(pk=order_pk(4))
    assert (quoted.declared_pages, quoted.verified_pages, quoted.estimated_price, quoted.final_price) == (
        120, 130, 24000, 26000)
    assert quoted.terms_revision_id is None and quoted.priority == Order.Priority.FAIBLE
    first = Order.objects.get(pk=order_pk(1))
    assert first.title == "Manuscrit n°1 « L'été »" and first.description == 'Description\\avec "guillemets"'
    assert first.service.name == "Correction Standard"  # packType: the service's name
    assert first.due_date.isoformat() == "2024-04-21"  # 18:00 UTC is 20:00 in Paris, the same day
    assert Order.objects.get(pk=order_pk(4)).service.name == "Pack KDP Intégral"  # "pack-kdp-integral"
    assert Order.objects.get(pk=order_pk(2)).service is None  # "Pack inconnu", reported
    assert Order.objects.get(pk=order_pk(3)).service is None  # no packType
    paid = Order.objects.get(pk=order_pk(5))
    assert paid.client.email == "cuid@example.fr"
    assert (paid.amount, paid.payment_status) == (12000, Order.PaymentStatus.SUCCEEDED)
    kdp = Service.objects.get(name="Pack KDP Intégral")
    assert (kdp.pricing, kdp.price, kdp.stripe_price_id, kdp.stripe_price_amount) == (
        Service.Pricing.FIXED, 35000, "price_legacy_123", 35000)
    assert Service.objects.get(name="Correction Standard").pricing == Service.Pricing.PER_PAGE


def test_messages_become_conversations_with_threads_and_read_markers():
    run(dump=str(DUMP))
    order_conversation = Conversation.objects.get(order_id=order_pk(1))
    assert order_conversation.kind == Conversation.Kind.ORDER
    thread = list(order_conversation.messages.order_by("id"))
    # Written in date order, whatever the dump's order.
    assert [m.legacy_id for m in thread] == [message_id(n) for n in (1, 2, 3, 4)]
    first, answer, reply, system = thread
    assert first.content == "Bonjour, voici mon manuscrit.\nÀ bientôt" and first.status == Message.Status.LU
    assert answer.content == "Bien reçu \\o/ — l'équipe" and answer.is_pinned
    assert answer.type == Message.Type.ADMIN_MESSAGE
    assert reply.parent_id == answer.pk and reply.thread_root_id == answer.pk
    assert system.sender_id is None and system.type == Message.Type.SYSTEM_MESSAGE
    assert order_conversation.last_message_id == system.pk
    markers = dict(Participant.objects.filter(conversation=order_conversation).values_list("user_id",
                                                                                            "last_read_message_id"))
    # Hélène: up to her own reply; the admin: up to his answer (her reply is unread).
    assert markers == {HELENE: reply.pk, ADMIN: answer.pk}
    assert [a.stored_file_id for a in first.attachments.all()] == [file_pk(1)]

    direct = Conversation.objects.get(kind=Conversation.Kind.DIRECT)
    assert direct.subject == "Question tarifs"
    assert direct.messages.count() == 2  # the deleted one and the draft are not imported
    archived = direct.messages.get(legacy_id=message_id(6))
    assert archived.status == Message.Status.LU
    assert Participant.objects.get(conversation=direct, user_id=HELENE).archived


def test_visitor_messages_become_a_ticket_with_its_conversation():
    run(dump=str(DUMP))
    ticket = Ticket.objects.get(visitor_email="jean.dupont@exemple.fr")
    assert ticket.requester is None and ticket.visitor_name == "Jean Dupont"
    assert ticket.source == Ticket.Source.CONSULTATION
    assert ticket.status == Ticket.Status.FERME  # the team answered last
    assert ticket.first_response_at is not None and ticket.sla_due_at is None
    conversation = ticket.conversation
    assert conversation.kind == Conversation.Kind.SUPPORT
    assert conversation.subject == f"#{ticket.number} Demande de consultation"
    visitor_message, staff_answer = conversation.messages.order_by("id")
    assert visitor_message.is_from_visitor and visitor_message.type == Message.Type.CONSULTATION_REQUEST
    assert staff_answer.sender_id == ADMIN


def test_support_requests_become_tickets_as_our_services_write_them():
    run(dump=str(DUMP))
    tickets = Ticket.objects.filter(requester_id=HELENE).order_by("number")
    assert {(t.category, t.priority, t.status) for t in tickets} == {
        ("GENERAL", "FAIBLE", "OUVERT"), ("TECHNIQUE", "NORMALE", "EN_COURS"), ("FACTURATION", "HAUTE", "EN_ATTENTE"),
        ("COMMANDE", "URGENTE", "RESOLU"), ("COMPTE", "CRITIQUE", "FERME"), ("AUTRE", "NORMALE", "ANNULE"),
    }
    numbers = sorted(Ticket.objects.values_list("number", flat=True))
    assert numbers == list(range(1001, 1008))
    assert TicketNumber.objects.get(pk=1).last == 1007
    opened = tickets.get(status=Ticket.Status.OUVERT)
    assert opened.title == "Demande 1 : « problème » d'accès"
    assert opened.first_response_due_at is not None and opened.sla_due_at == opened.first_response_due_at
    waiting = tickets.get(status=Ticket.Status.EN_ATTENTE)
    assert waiting.paused_at is not None and waiting.sla_due_at is None and waiting.tags == "urgent,facture"
    assert tickets.get(status=Ticket.Status.EN_COURS).assigned_to_id == ADMIN
    assert tickets.get(status=Ticket.Status.EN_COURS).source == Ticket.Source.EMAIL
    first_message = opened.conversation.messages.get()
    assert first_message.sender_id == HELENE and first_message.content == "Détails de la demande 1\nligne 2 😊"
    assert opened.conversation.last_message_id == first_message.pk


def test_invoices_keep_their_numbers_and_amounts_and_our_series_continues():
    run(dump=str(DUMP))
    invoice = Invoice.objects.get(number="FACT-2024-0042")
    assert (invoice.amount_ttc, invoice.vat_amount, invoice.amount_ht) == (12000, 2000, 10000)
    assert invoice.vat_rate == Decimal("20.00") and not invoice.vat_exempt
    assert invoice.status == Invoice.Status.GENERATED and invoice.order_id == order_pk(5)
    assert invoice.buyer["email"] == "cuid@example.fr" and invoice.seller["vat_exempt"] is False
    assert sum(line["amount"] for line in invoice.lines) == 12000
    assert set(Invoice.objects.values_list("status", flat=True)) == set(Invoice.Status.values)
    exempt = Invoice.objects.get(number="FACT-2023-0110")
    assert exempt.vat_exempt and exempt.amount_ht == exempt.amount_ttc
    assert Invoice.objects.filter(order_id=order_pk(5)).count() == 1  # the second one is reported
    # Legacy numbers written like ours hold their place in our yearly series,
    # those of the invoices not imported too (FACT-2024-0044: a second invoice
    # of an order; 0045: an orphan): the old system issued them, so our next
    # invoice must not reuse them.
    assert DocumentCounter.objects.get(prefix="FACT", year=2024).last_number == 45
    assert DocumentCounter.objects.get(prefix="FACT", year=2023).last_number == 110


def test_other_tables():
    run(dump=str(DUMP))
    notification = Notification.objects.get(legacy_id="notif-1")
    assert notification.data == {"orderId": str(order_pk(1))} and notification.is_read
    assert Notification.objects.get(legacy_id="notif-2").data == {"texte": "texte libre, pas du JSON"}
    assert set(Notification.objects.values_list("type", flat=True)) == set(Notification.Type.values)
    assert Notification.objects.get(legacy_id="notif-3").is_deleted
    assert Notification.objects.visible().filter(legacy_id="notif-4").exists()  # expires in 2099
    page = Page.objects.get(slug="page-page")
    assert page.content == "# Titre\n\nContenu **PAGE** 📖 \\ fin" and page.tags == "a,b"
    assert set(Page.objects.values_list("type", flat=True)) == set(Page.Type.values)
    assert set(PageRevision.objects.values_list("page__slug", flat=True)) == {"page-faq", "page-help", "page-legal"}
    assert FAQ.objects.get(visible=False).question == 'Question masquée "test" ?'
    card = PaymentMethod.objects.get()
    assert (card.user_id, card.last4, card.exp_year, card.is_default) == (HELENE, "4242", 2027, True)
    entry = AuditLog.objects.get(legacy_id="audit-1")
    assert (entry.actor_id, entry.ip_address, entry.target_type, entry.target_id) == (
        ADMIN, "192.168.1.10", "accounts.user", str(HELENE))
    assert AuditLog.objects.get(legacy_id="audit-2").details == {"avant": "EN_ATTENTE", "après": "PAYEE"}
    assert AuditLog.objects.get(legacy_id="audit-2").ip_address is None  # "pas-une-ip"
    assert AuditLog.objects.get(legacy_id="audit-7").actor_id is None  # an author unknown here
    assert set(AuditLog.objects.values_list("severity", flat=True)) == set(AuditLog.Severity.values)


def test_skipped_tables_say_why():
    tables = run(dump=str(DUMP))["tables"]
    assert tables["password_resets"]["skipped_reasons"] == {
        "demande expirée": 1,
        "demande encore valide non reprise : nos liens de réinitialisation sont signés, pas stockés ; "
        "l'utilisateur en redemande un": 1,
    }
    assert sorted(tables["pending_commandes"]["skipped_reasons"].values()) == [1, 1]


# --- Re-import, dry run ---------------------------------------------------------

def test_reimport_updates_without_duplicates(tmp_path):
    run(dump=str(DUMP))
    before = counts()
    numbers = dict(Ticket.objects.values_list("pk", "number"))
    message_ids = dict(Message.objects.values_list("legacy_id", "pk"))
    # Found again by (conversation, user): the same rows, read markers included.
    participants = set(Participant.objects.values_list("pk", "conversation_id", "user_id", "last_read_message_id"))
    Participant.objects.update(last_read_message_id=0)
    edited = tmp_path / "edited.sql"
    edited.write_text(DUMP.read_text(encoding="utf-8").replace("Romancière 📚", "Poétesse 🖋️")
                      .replace("Voici nos tarifs.", "Voici nos nouveaux tarifs."), encoding="utf-8")
    report = run(dump=str(edited))
    assert counts() == before
    assert report["tables"]["users"]["created"] == 0 and report["tables"]["users"]["updated"] == 5
    assert report["tables"]["messages"]["updated"] == 8
    assert report["tables"]["audit_logs"]["skipped_reasons"] == {
        "déjà importée (le journal d'audit ne se modifie jamais)": 7}
    assert User.objects.get(pk=HELENE).bio.startswith("Poétesse 🖋️")
    assert Message.objects.get(legacy_id=message_id(6)).content == "Voici nos nouveaux tarifs."
    assert dict(Ticket.objects.values_list("pk", "number")) == numbers
    assert dict(Message.objects.values_list("legacy_id", "pk")) == message_ids
    assert set(Participant.objects.values_list("pk", "conversation_id", "user_id", "last_read_message_id")) == \
        participants
    assert TicketNumber.objects.get(pk=1).last == 1007


def test_reimport_keeps_a_password_upgraded_since(client):
    run(dump=str(DUMP))
    client.post(reverse("accounts:login"), {"username": "helene@example.fr", "password": "mot de passe été 🌞"})
    upgraded = User.objects.get(pk=HELENE).password
    run(dump=str(DUMP))
    assert User.objects.get(pk=HELENE).password == upgraded


def test_a_logged_in_user_sees_a_reimport_at_once(client, tmp_path):
    """The import writes users in bulk (no post_save): it drops their cached
    session copies itself (accounts.auth.forget_cached_users)."""
    run(dump=str(DUMP))
    client.force_login(User.objects.get(pk=HELENE))  # her copy is in the cache now
    edited = tmp_path / "edited.sql"
    edited.write_text(DUMP.read_text(encoding="utf-8").replace("Romancière 📚", "Poétesse 🖋️"), encoding="utf-8")
    run(dump=str(edited))
    assert "Poétesse 🖋️" in client.get(reverse("accounts:profile")).content.decode()


def test_a_client_sees_reimported_orders_at_once(client, tmp_path, monkeypatch):
    """Orders are written in bulk too: the import drops the clients' cached
    "Mes projets" (orders.selectors.client_orders_first_page)."""
    # The pages' published versions are saved one by one (cms) and renew the
    # public content version, which is in the cached page's key too: held still here.
    monkeypatch.setattr("orders.selectors.public_cache_version", lambda: "held")
    run(dump=str(DUMP))
    client.force_login(User.objects.get(pk=HELENE))
    assert "Manuscrit n°1" in client.get(reverse("orders:client_dashboard")).content.decode()
    edited = tmp_path / "edited.sql"
    edited.write_text(DUMP.read_text(encoding="utf-8").replace("Manuscrit n°1", "Tapuscrit n°1"), encoding="utf-8")
    run(dump=str(edited))
    assert "Tapuscrit n°1" in client.get(reverse("orders:client_dashboard")).content.decode()


def test_dry_run_writes_nothing_and_reports_the_same():
    empty = counts()
    dry = run(dump=str(DUMP), dry_run=True)
    assert counts() == empty and not TicketNumber.objects.filter(last__gt=1000).exists()
    real = run(dump=str(DUMP))
    assert dry["dry_run"] is True
    for name, table in real["tables"].items():
        assert {k: v for k, v in dry["tables"][name].items() if k != "notes"} == \
               {k: v for k, v in table.items() if k != "notes"}, name


def test_existing_account_with_the_same_email_is_kept_and_gets_the_legacy_rows():
    mine = User.objects.create_user("Helene@Example.fr", "x", first_name="H", last_name="Ici")
    report = run(dump=str(DUMP))
    assert User.objects.get(email="helene@example.fr").pk == mine.pk
    assert report["tables"]["users"]["created"] == 4
    assert Order.objects.filter(client=mine).count() == 8


# --- Passwords --------------------------------------------------------------------

def test_login_with_the_legacy_password_upgrades_the_hash(client):
    run(dump=str(DUMP))
    assert User.objects.get(pk=HELENE).password.startswith("legacy_bcrypt$$2a$04$")
    response = client.post(reverse("accounts:login"),
                           {"username": "Helene@Example.fr", "password": "mot de passe été 🌞"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(HELENE)
    stored = User.objects.get(pk=HELENE).password
    assert identify_hasher(stored).algorithm == get_hasher("default").algorithm
    assert User.objects.get(pk=HELENE).check_password("mot de passe été 🌞")


@pytest.mark.parametrize(("email", "password"), [
    ("admin@staka-livres.fr", "ancien-admin-2024"),  # $2b$
    ("zoe@example.fr", "correctrice!"),  # $2y$
])
def test_every_bcrypt_variant_logs_in(email, password):
    run(dump=str(DUMP))
    assert User.objects.get(email=email).check_password(password)
    assert not User.objects.get(email=email).check_password(password + "x")


def test_wrong_legacy_password_is_refused(client):
    run(dump=str(DUMP))
    response = client.post(reverse("accounts:login"), {"username": "helene@example.fr", "password": "mauvais"})
    assert response.status_code == 200
    assert User.objects.get(pk=HELENE).password.startswith("legacy_bcrypt$")


def test_legacy_hasher_truncates_at_72_bytes_like_node_bcrypt():
    import bcrypt

    long_password = "é" * 40  # 80 bytes
    raw = bcrypt.hashpw(long_password.encode()[:72], bcrypt.gensalt(4)).decode()
    hasher = LegacyBcryptPasswordHasher()
    encoded = f"legacy_bcrypt${raw}"
    assert hasher.verify(long_password, encoded)
    assert hasher.verify(long_password[:36] + "zzzz", encoded)  # only the first 72 bytes count
    assert not hasher.verify("é" * 35, encoded)
    assert hasher.must_update(encoded)
    assert hasher.safe_summary(encoded)["work factor"] == 4


# --- Files ---------------------------------------------------------------------------

def test_files_are_copied_from_the_uploads_folder(tmp_path):
    uploads = tmp_path / "uploads"
    (uploads / "projects").mkdir(parents=True)
    (uploads / "invoices").mkdir()
    content = b"%PDF-1.4 manuscrit"
    (uploads / "projects" / "stored-1.bin").write_bytes(content)
    (uploads / "invoices" / "FACT-2024-0042.pdf").write_bytes(b"%PDF-1.4 facture")
    report = run(dump=str(DUMP), uploads_dir=str(uploads))
    stored = StoredFile.objects.get(pk=file_pk(1))
    assert stored.checksum == hashlib.sha256(content).hexdigest() and stored.size == len(content)
    assert stored.file.name.endswith(".pdf") and stored.content_purged_at is None
    assert stored.file.read() == content
    assert stored.role == StoredFile.Role.MANUSCRIPT and stored.original_name == "fichier-1 é.bin"
    assert StoredFile.objects.get(pk=file_pk(2)).role == StoredFile.Role.DELIVERABLE  # the admin's
    missing = StoredFile.objects.get(pk=file_pk(3))
    assert missing.content_purged_at is not None and not missing.is_available
    problems = [p["message"] for p in report["tables"]["files"]["problems"]]
    assert sum("fichier absent" in message for message in problems) == 5
    assert Invoice.objects.get(number="FACT-2024-0042").pdf.read() == b"%PDF-1.4 facture"
    # Again: the bytes are not copied twice.
    run(dump=str(DUMP), uploads_dir=str(uploads))
    assert StoredFile.objects.get(pk=file_pk(1)).file.name == stored.file.name


# --- Bad input ------------------------------------------------------------------------

def test_orphans_are_reported_with_their_row():
    report = run(dump=str(DUMP))
    problems = report["tables"]["commandes"]["problems"]
    assert {"where": "ligne 94, n° 10", "message": "client inconnu (userId=ghost-user) : ligne ignorée"} in problems
    files = report["tables"]["files"]["problems"]
    assert any(p["message"].startswith("commandeId=commande-disparue : commande inconnue") for p in files)
    assert StoredFile.objects.get(pk=file_pk(6)).order is None  # optional: emptied, the file kept


def test_cut_statement_is_reported_and_the_rest_imported(tmp_path):
    lines = DUMP.read_text(encoding="utf-8").split("\n")
    cut = next(i for i, line in enumerate(lines) if line.startswith("INSERT INTO `faqs`"))
    lines[cut] = lines[cut][: len(lines[cut]) // 2]
    broken = tmp_path / "cut.sql"
    broken.write_text("\n".join(lines), encoding="utf-8")
    report = run(dump=str(broken))
    assert report["source_problems"][0]["where"] == f"ligne {cut + 1}"
    assert "tronquée" in report["source_problems"][0]["message"]
    assert FAQ.objects.count() == 0
    assert report["tables"]["faqs"]["read"] == 0 and report["tables"]["users"]["created"] == 5
    assert Order.objects.count() == 9 and Message.objects.count() == 14


def test_truncated_gzip_imports_what_came_before_the_cut(tmp_path):
    data = gzip.compress(DUMP.read_bytes())
    broken = tmp_path / "truncated.sql.gz"
    broken.write_bytes(data[: int(len(data) * 0.6)])
    report = run(dump=str(broken))
    assert any("compressé tronqué" in p["message"] for p in report["source_problems"])
    # The tables are in alphabetical order in a dump: audit_logs came before the cut, users after.
    assert AuditLog.objects.count() == 7 and User.objects.count() == 0
    assert report["tables"]["users"]["read"] == 0


def test_unknown_table_and_column_are_reported(tmp_path):
    text = DUMP.read_text(encoding="utf-8").replace("  `bio` text", "  `bio` text,\n  `nouveau` int").replace(
        "INSERT INTO `users` VALUES (", "INSERT INTO `users` VALUES (")
    text += "CREATE TABLE `sessions` (\n  `id` int\n);\nINSERT INTO `sessions` VALUES (1);\n"
    dump = tmp_path / "extra.sql"
    dump.write_text(text, encoding="utf-8")
    report = run(dump=str(dump))
    assert {"where": "table sessions", "message": "table inconnue de l'ancien système, ignorée"} in \
        report["source_problems"]
    assert {"where": "table users", "message": "colonne inconnue « nouveau », ignorée"} in \
        report["tables"]["users"]["problems"]


def test_not_a_dump_is_refused(tmp_path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("bonjour\n", encoding="utf-8")
    with pytest.raises(CommandError, match="n'est pas un export mysqldump"):
        run(dump=str(bogus))


def test_text_report():
    out = StringIO()
    call_command("import_legacy", dump=str(DUMP), stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert "users" in text and "lignes lues" in text and "client inconnu (userId=ghost-user)" in text


# --- A live legacy database -------------------------------------------------------------

@pytest.fixture
def legacy_database():
    """The fixture dump loaded into a scratch database of the same MariaDB
    server (with the mysql client, as an ops person would)."""
    from django.db import connection

    if connection.vendor != "mysql" or not shutil.which("mysql"):
        pytest.skip("needs a MySQL/MariaDB server and the mysql client")
    config = connection.settings_dict
    name = f"{config['NAME']}_legacy"
    client = ["mysql", f"--host={config['HOST'] or '127.0.0.1'}", f"--port={config['PORT'] or 3306}",
              f"--user={config['USER']}"]
    env = {**os.environ, "MYSQL_PWD": config["PASSWORD"] or ""}
    subprocess.run([*client, "-e", f"DROP DATABASE IF EXISTS `{name}`; CREATE DATABASE `{name}` "
                    "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"], check=True, env=env)
    with DUMP.open("rb") as dump:
        subprocess.run([*client, name], stdin=dump, check=True, env=env)
    password = f":{config['PASSWORD']}" if config["PASSWORD"] else ""
    yield f"mysql://{config['USER']}{password}@{config['HOST'] or '127.0.0.1'}:{config['PORT'] or 3306}/{name}"
    subprocess.run([*client, "-e", f"DROP DATABASE IF EXISTS `{name}`"], check=True, env=env)


def test_import_from_a_live_database_matches_the_dump(legacy_database):
    live = run(database_url=legacy_database)
    after_live = counts()
    helene = User.objects.get(pk=HELENE)
    assert helene.bio == "Romancière 📚 — C:\\dossier\\livre\tfin\0nul"
    assert helene.updated_at.microsecond == 456000
    assert helene.preferences == {"theme": "sombre", "notifications": {"email": True}}
    dump = run(dump=str(DUMP))
    # The same rows: importing the dump afterwards only finds them again.
    assert counts() == after_live
    assert all(table["created"] == 0 for table in dump["tables"].values())
    updated = {name: table["updated"] for name, table in dump["tables"].items() if name != "audit_logs"}
    assert updated == {name: table["created"] for name, table in live["tables"].items() if name != "audit_logs"}


def test_import_after_setup_reuses_the_default_services():
    from cms.defaults import load_default_content
    from orders.defaults import load_default_services

    load_default_services()
    load_default_content()
    report = run(dump=str(DUMP))
    standard = Service.objects.get(name="Correction Standard")
    assert standard.pk != uuid.UUID("e0000000-0000-4000-8000-000000000001")  # ours, kept
    assert report["tables"]["tarifs"]["created"] == 1
    assert report["tables"]["tarifs"]["skipped"] == 1
    assert Order.objects.get(pk=order_pk(1)).service == standard
    assert report["tables"]["pages"]["created"] == 6  # the legal pages of setup keep their own addresses
