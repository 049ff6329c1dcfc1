import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Max
from django.urls import reverse
from django.utils.html import escape

from accounts.models import User
from billing.models import Invoice
from core.models import AuditLog
from files.models import StoredFile
from files.validation import MANUSCRIPT_KINDS
from messaging.models import Conversation, Message, MessageAttachment, Participant
from notifications.models import Notification
from ops.fake_data import BENCH_ADMIN, BENCH_CLIENT, BENCH_CORRECTOR, FAKE_PASSWORD
from orders.models import Order, OrderEvent
from support.models import Ticket, TicketNumber

pytestmark = pytest.mark.django_db

SMALL = {"clients": 30, "correctors": 3, "staff": 2, "orders": 120, "conversations": 60, "messages": 500,
         "notifications": 100, "files": 150, "invoices": 60, "tickets": 20, "audit": 50}
S = Order.Status


def generate(**options):
    out = io.StringIO()
    call_command("generate_fake_data", stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def generate_json(**options):
    return json.loads(generate(json=True, **options))


@pytest.fixture
def small_run():
    return generate_json(seed=42, **SMALL)


def test_exact_counts_per_table(small_run):
    assert User.objects.filter(role=User.Role.USER).count() == SMALL["clients"]
    assert User.objects.filter(role=User.Role.CORRECTOR).count() == SMALL["correctors"]
    assert User.objects.filter(role=User.Role.ADMIN, is_staff=True).count() == SMALL["staff"]
    assert Order.objects.count() == SMALL["orders"]
    assert Conversation.objects.count() == SMALL["conversations"]
    assert Message.objects.count() == SMALL["messages"]
    assert Notification.objects.count() == SMALL["notifications"]
    assert StoredFile.objects.count() == SMALL["files"]
    assert Invoice.objects.count() == SMALL["invoices"]
    assert Ticket.objects.count() == SMALL["tickets"]
    assert AuditLog.objects.count() == SMALL["audit"]
    tables = small_run["tables"]
    assert tables["messages"]["rows"] == SMALL["messages"] and tables["messages"]["rows_per_second"] > 0
    assert tables["participants"]["rows"] == Participant.objects.count()
    assert tables["order_events"]["rows"] == OrderEvent.objects.count() >= SMALL["orders"]
    assert small_run["password"] == FAKE_PASSWORD


def test_orders_in_every_status_with_coherent_fields(small_run):
    assert set(Order.objects.values_list("status", flat=True)) == set(S.values)
    for order in Order.objects.all():
        flow = order.status_before_suspension or order.status
        if flow in (S.PAYEE, S.EN_COURS, S.LIVREE, S.TERMINE):
            assert order.corrector_id is not None, order.status
            assert order.payment_status in ("succeeded", Order.PAYMENT_STATUS_FREE)
            if order.payment_status == "succeeded":
                assert order.paid_at >= order.created_at and order.amount == order.price > 0
        else:
            assert order.corrector_id is None and order.paid_at is None and order.amount is None
        if flow == S.EN_ATTENTE_VERIFICATION:
            assert order.final_price is None and order.service.needs_page_verification
        if flow == S.TERMINE:
            assert order.created_at <= order.delivered_at <= order.finished_at == order.accepted_at
        if flow == S.ANNULEE:
            assert order.finished_at >= order.created_at
    assert OrderEvent.objects.filter(kind=OrderEvent.Kind.CREATED).count() == SMALL["orders"]


def test_invoices_only_for_paid_orders_with_exact_vat(small_run):
    for invoice in Invoice.objects.select_related("order"):
        assert invoice.order.paid_at is not None and invoice.order.payment_status == "succeeded"
        assert invoice.amount_ht + invoice.vat_amount == invoice.amount_ttc == invoice.order.amount
        assert sum(line["amount"] for line in invoice.lines) == invoice.amount_ttc
        assert re.fullmatch(r"FAKE-1-\d{7}", invoice.number)
        assert invoice.buyer["email"] == invoice.order.client.email and invoice.seller["name"]


def test_conversations_point_at_their_newest_message_and_have_their_participants(small_run):
    newest = dict(Message.objects.values("conversation").annotate(last=Max("id")).values_list("conversation", "last"))
    assert len(newest) == SMALL["conversations"]  # 500 messages for 60 conversations: none is empty
    for conversation in Conversation.objects.select_related("last_message"):
        assert conversation.last_message_id == newest[conversation.pk]
        assert conversation.last_message_at == conversation.last_message.created_at
    # Every person who wrote takes part, with a read marker within the thread.
    senders = set(Message.objects.filter(sender__isnull=False).values_list("conversation", "sender").distinct())
    participants = {(p.conversation_id, p.user_id): p for p in Participant.objects.all()}
    assert senders <= set(participants)
    for participant in participants.values():
        assert participant.last_read_message_id <= newest[participant.conversation_id]
    unread = [p for p in participants.values() if p.last_read_message_id < newest[p.conversation_id]]
    assert unread and len(unread) < len(participants)
    # Time order follows id order inside each thread.
    for conversation_id in list(newest)[:10]:
        moments = list(Message.objects.filter(conversation=conversation_id).order_by("id")
                       .values_list("created_at", flat=True))
        assert moments == sorted(moments)
    assert Conversation.objects.filter(kind=Conversation.Kind.ORDER).exclude(order=None).exists()
    assert Message.objects.filter(status=Message.Status.LU).exists()
    assert Message.objects.filter(status=Message.Status.ENVOYE).exists()


def test_tickets_take_numbers_from_the_counter(small_run):
    numbers = sorted(Ticket.objects.values_list("number", flat=True))
    assert len(set(numbers)) == SMALL["tickets"]
    assert numbers == list(range(numbers[0], numbers[0] + SMALL["tickets"]))
    assert TicketNumber.objects.get(pk=1).last == numbers[-1]
    with_conversation = Ticket.objects.exclude(conversation=None).select_related("conversation")
    assert with_conversation.count() == SMALL["conversations"] // 10
    for ticket in with_conversation:
        assert ticket.conversation.kind == Conversation.Kind.SUPPORT
        assert ticket.conversation.subject.startswith(f"#{ticket.number} ")
        first = ticket.conversation.messages.order_by("id").first()
        assert first.content == ticket.description  # the request opens the thread, as ticket_open writes it
        if ticket.requester_id:
            assert first.sender_id == ticket.requester_id
        else:
            assert first.sender_id is None and first.visitor_email == ticket.visitor_email


def test_files_are_metadata_only(small_run):
    kinds = {kind.mime_type: kind for kind in MANUSCRIPT_KINDS} | {"image/jpeg": None, "image/png": None}
    for stored in StoredFile.objects.all():
        assert not stored.is_available  # nothing offers to download bytes that do not exist
        assert stored.file.name.startswith("fake/uploads/") and re.fullmatch(r"[0-9a-f]{64}", stored.checksum)
        assert stored.mime_type in kinds
        if kinds[stored.mime_type]:
            assert stored.category == kinds[stored.mime_type].category == StoredFile.Category.DOCUMENT
    roles = set(StoredFile.objects.values_list("role", flat=True))
    assert roles == set(StoredFile.Role.values)
    assert MessageAttachment.objects.count() == SMALL["files"] // 10


def test_notifications_some_unread(small_run):
    assert Notification.objects.filter(is_read=False).exists()
    assert Notification.objects.filter(is_read=True, read_at__isnull=False).exists()


def test_a_second_run_adds_rows(small_run):
    again = generate_json(seed=42, **SMALL)
    assert again["run"] == 2
    assert Order.objects.count() == 2 * SMALL["orders"]
    assert Message.objects.count() == 2 * SMALL["messages"]
    assert Ticket.objects.values("number").annotate(n=Count("id")).filter(n__gt=1).count() == 0
    assert User.objects.filter(email__startswith="client-2-").count() == SMALL["clients"]
    assert Invoice.objects.filter(number__startswith="FAKE-2-").count() == SMALL["invoices"]


def test_the_seed_makes_a_run_reproducible():
    class Undo(Exception):
        pass

    def signature():  # dates follow the clock; everything else follows the seed
        return (list(Order.objects.order_by("id").values_list("id", "title", "status", "amount", "client__email")),
                list(Message.objects.order_by("id").values_list("content", "sender__email", "status")))

    signatures = []
    for _attempt in range(2):  # the same run on the same database, rolled back in between
        with pytest.raises(Undo), transaction.atomic():
            generate(seed=5, clients=5, correctors=2, orders=20, conversations=10, messages=60)
            signatures.append(signature())
            raise Undo
    assert signatures[0][0] and signatures[0] == signatures[1]
    generate(seed=6, clients=5, correctors=2, orders=20, conversations=10, messages=60)
    assert signature() != signatures[0]


def test_scale_multiplies_the_default_set():
    report = generate_json(scale=0.0005, seed=1)
    assert report["tables"]["orders"]["rows"] == 100 and report["tables"]["messages"]["rows"] == 1000
    assert Conversation.objects.count() == 100 and Ticket.objects.count() == 10


def log_in(client, email):
    """Through the login page, with the password every fake account has."""
    client.logout()
    response = client.post(reverse("accounts:login"), {"username": email, "password": FAKE_PASSWORD})
    assert response.status_code == 302, email


def test_bench_fixtures_and_pages_render(client):
    output = generate(bench_fixtures=True, seed=3)
    assert BENCH_CLIENT in output and BENCH_CORRECTOR in output and BENCH_ADMIN in output and FAKE_PASSWORD in output
    bench_client = User.objects.get(email=BENCH_CLIENT)
    corrector = User.objects.get(email=BENCH_CORRECTOR)
    assert Order.objects.filter(client=bench_client).count() == 50
    assert set(Order.objects.filter(client=bench_client).values_list("status", flat=True)) == set(S.values)
    in_hand = Order.objects.filter(corrector=corrector)
    assert in_hand.count() == 500 and set(in_hand.values_list("status", flat=True)) <= {S.PAYEE, S.EN_COURS}
    assert Order.objects.filter(status=S.PAYEE, corrector=None).count() == 500
    long_thread = Conversation.objects.get(order__client=bench_client)
    assert long_thread.messages.count() == 2000
    assert User.objects.get(email=BENCH_ADMIN).is_staff
    assert Notification.objects.filter(user=bench_client).count() == 200
    assert Notification.objects.filter(user=bench_client, is_read=False).exists()
    assert "déjà présents" in generate(bench_fixtures=True)  # once per database
    assert Order.objects.count() == 50 + 499 + 500  # the client's first order is one of the corrector's

    log_in(client, BENCH_CLIENT)
    assert client.get(reverse("orders:client_dashboard")).status_code == 200
    assert client.get(reverse("orders:detail", args=[long_thread.order_id])).status_code == 200
    assert client.get(reverse("notifications:list")).status_code == 200
    assert client.get(reverse("notifications:bell")).status_code == 200
    page = client.get(reverse("messaging:conversation", args=[long_thread.pk]))
    assert page.status_code == 200 and escape(long_thread.last_message.content) in page.content.decode()
    log_in(client, BENCH_CORRECTOR)
    assert client.get(reverse("orders:corrector_queue")).status_code == 200
    log_in(client, BENCH_ADMIN)
    assert client.get(reverse("orders:staff_board")).status_code == 200


def test_refused_with_production_settings(settings):
    settings.IS_PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        generate(scale=0.0001)
    assert not User.objects.exists()


@pytest.mark.parametrize("options, message", [
    ({}, "Indiquez un volume"),
    ({"messages": 10}, "demande des conversations"),
    ({"orders": 10, "clients": 2}, "demande des correcteurs"),
    ({"clients": -1}, "positifs"),
])
def test_bad_volumes_are_refused(options, message):
    with pytest.raises(CommandError, match=message):
        generate(**options)


@pytest.mark.django_db(transaction=True)  # real commits: the caches are renewed after them, as in production
def test_the_bench_counts_the_queries_of_a_page_in_its_steady_state():
    """bench/hot_paths.measure_queries counts the third view: on fresh data the
    first view of the long conversation writes the reader's mark, and the
    second reads again the conversation row that write renewed."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench import hot_paths

    generate(bench_fixtures=True, seed=3)
    accounts = hot_paths.bench_accounts()
    conversation = next(path for path in hot_paths.hot_paths(accounts) if path.key == "conversation")
    Participant.objects.filter(user=accounts[conversation.who]).update(last_read_message_id=0)  # never read yet
    measured = hot_paths.measure_queries([conversation], accounts)["conversation"]

    reader = Client(HTTP_HOST=hot_paths.HOST)
    reader.force_login(accounts[conversation.who])
    for _ in range(3):
        reader.get(conversation.url, secure=True)
    with CaptureQueriesContext(connection) as steady:
        assert reader.get(conversation.url, secure=True).status_code == 200
    assert measured["status"] == 200
    assert measured["queries"] == len(steady)
