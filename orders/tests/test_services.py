from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.tests.factories import CorrectorFactory, UserFactory
from files.models import StoredFile
from orders import services
from orders.demo import demo_pdf
from orders.models import Order, OrderEvent
from orders.services import OrderError

from .factories import PackFactory, ServiceFactory
from .fixtures import exe_named_pdf

pytestmark = pytest.mark.django_db
S = Order.Status


def test_order_is_created_with_the_server_price_and_its_manuscript(make_order, client_user):
    order = make_order(urgent=True)
    assert order.status == S.EN_ATTENTE
    assert order.estimated_price == order.final_price == order.price == 72000  # (240 × 2 €) × 1.5
    assert order.priority == Order.Priority.URGENTE
    assert order.due_date > timezone.localdate()
    manuscript = order.files.get()
    assert manuscript.role == StoredFile.Role.MANUSCRIPT and manuscript.uploaded_by == client_user
    event = order.events.get()
    assert (event.kind, event.to_status, event.actor) == (OrderEvent.Kind.CREATED, S.EN_ATTENTE, client_user)


@pytest.mark.parametrize("pages", [0, 1001, None])
def test_per_page_order_needs_pages_between_1_and_1000(make_order, pages):
    with pytest.raises(OrderError, match="entre 1 et 1000"):
        make_order(declared_pages=pages)
    assert not Order.objects.exists()


def test_inactive_service_cannot_be_ordered(make_order):
    with pytest.raises(OrderError, match="plus proposé"):
        make_order(service=ServiceFactory(is_active=False))


def test_a_disguised_manuscript_leaves_nothing_behind(make_order, settings):
    with pytest.raises(ValidationError):
        make_order(manuscripts=[demo_pdf("ok.pdf"), exe_named_pdf()])
    assert not Order.objects.exists()
    assert not StoredFile.objects.exists()
    media = settings.MEDIA_ROOT
    assert not any(p.is_file() for p in media.rglob("*")) if media.exists() else True


def test_fixed_pack_costs_its_price(make_order):
    order = make_order(service=PackFactory(price=145000), declared_pages=None)
    assert order.price == 145000


def test_quote_flow_for_packs_needing_page_verification(make_order, client_user, staff):
    order = make_order(service=ServiceFactory(price=300, needs_page_verification=True), declared_pages=100)
    assert order.status == S.EN_ATTENTE_VERIFICATION
    assert order.final_price is None and order.estimated_price == 27000

    with pytest.raises(OrderError):
        services.order_send_quote(order=order, verified_pages=120, by=client_user)
    order = services.order_send_quote(order=order, verified_pages=120, by=staff)
    assert order.status == S.ESTIMATION_ENVOYEE
    assert (order.verified_pages, order.final_price, order.price) == (120, 33000, 33000)

    order = services.order_accept_quote(order=order, by=client_user)
    assert order.status == S.EN_ATTENTE


def test_client_may_decline_the_quote(make_order, client_user, staff):
    order = make_order(service=ServiceFactory(needs_page_verification=True))
    order = services.order_send_quote(order=order, verified_pages=90, by=staff)
    order = services.order_decline_quote(order=order, by=client_user)
    assert order.status == S.ANNULEE


def test_payment_must_match_the_price(make_order):
    order = make_order()
    with pytest.raises(OrderError, match="montant"):
        services.order_mark_paid(order=order, amount=order.price - 1)
    order.refresh_from_db()
    assert order.status == S.EN_ATTENTE and order.paid_at is None
    order = services.order_mark_paid(order=order, amount=order.price)
    assert order.status == S.PAYEE and order.amount == order.price and order.payment_status == "succeeded"


def test_paying_twice_is_refused(paid_order):
    with pytest.raises(OrderError, match="Action impossible"):
        services.order_mark_paid(order=paid_order, amount=paid_order.price)


def test_the_whole_workflow_with_its_history(delivered_order, client_user, corrector):
    order = services.order_accept_delivery(order=delivered_order, by=client_user)
    assert order.status == S.TERMINE and order.finished_at and order.accepted_at
    moves = list(order.events.filter(kind=OrderEvent.Kind.STATUS).values_list("from_status", "to_status"))
    assert moves == [
        (S.EN_ATTENTE, S.PAYEE), (S.PAYEE, S.EN_COURS), (S.EN_COURS, S.LIVREE), (S.LIVREE, S.TERMINE),
    ]
    assert order.events.filter(kind=OrderEvent.Kind.ASSIGNMENT, note=corrector.get_full_name()).exists()


def test_only_staff_assign_and_only_correctors_are_assigned(paid_order, client_user, staff, corrector):
    with pytest.raises(OrderError, match="équipe"):
        services.order_assign_corrector(order=paid_order, corrector=corrector, by=client_user)
    with pytest.raises(OrderError, match="pas un correcteur"):
        services.order_assign_corrector(order=paid_order, corrector=UserFactory(), by=staff)
    with pytest.raises(OrderError, match="pas un correcteur"):
        services.order_assign_corrector(order=paid_order, corrector=CorrectorFactory(is_active=False), by=staff)


def test_unpaid_orders_cannot_be_assigned(make_order, staff, corrector):
    with pytest.raises(OrderError, match="payée"):
        services.order_assign_corrector(order=make_order(), corrector=corrector, by=staff)


def test_reassignment_keeps_the_history(working_order, staff, corrector):
    other = CorrectorFactory(first_name="Zoé", last_name="Arnaud")
    order = services.order_assign_corrector(order=working_order, corrector=other, by=staff)
    assert order.corrector == other
    notes = list(order.events.filter(kind=OrderEvent.Kind.ASSIGNMENT).values_list("note", flat=True))
    assert notes == [corrector.get_full_name(), f"{corrector.get_full_name()} → Zoé Arnaud"]


@pytest.mark.parametrize("actor", ["client", "other_corrector", "staff"])
def test_only_the_assigned_corrector_starts(paid_order, staff, corrector, client_user, actor):
    order = services.order_assign_corrector(order=paid_order, corrector=corrector, by=staff)
    by = {"client": client_user, "other_corrector": CorrectorFactory(), "staff": staff}[actor]
    with pytest.raises(OrderError):
        services.order_start(order=order, by=by)
    order.refresh_from_db()
    assert order.status == S.PAYEE


def test_delivery_needs_a_deliverable(working_order, corrector):
    with pytest.raises(OrderError, match="fichier corrigé"):
        services.order_deliver(order=working_order, by=corrector)
    working_order.refresh_from_db()
    assert working_order.status == S.EN_COURS


def test_two_revisions_are_included(delivered_order, client_user, corrector):
    order = delivered_order
    with pytest.raises(OrderError, match="Expliquez"):
        services.order_request_revision(order=order, by=client_user, comment="  ")
    for number in (1, 2):
        order = services.order_request_revision(order=order, by=client_user, comment=f"Chapitre {number}")
        assert order.status == S.EN_COURS and order.revision_count == number
        assert order.events.filter(note=f"Chapitre {number}", to_status=S.EN_COURS).exists()
        order = services.order_deliver(order=order, by=corrector)
    with pytest.raises(OrderError, match="révisions incluses"):
        services.order_request_revision(order=order, by=client_user, comment="Encore")
    order.refresh_from_db()
    assert order.status == S.LIVREE


def test_deliveries_are_accepted_automatically_after_7_days(delivered_order):
    now = timezone.now()
    assert services.orders_auto_finish(now=now + timedelta(days=6)) == 0
    assert services.orders_auto_finish(now=now + timedelta(days=7, minutes=1)) == 1
    delivered_order.refresh_from_db()
    assert delivered_order.status == S.TERMINE
    assert delivered_order.events.filter(to_status=S.TERMINE, actor=None).exists()
    assert services.orders_auto_finish(now=now + timedelta(days=8)) == 0  # idempotent


@pytest.mark.parametrize(
    ("fixture", "actor", "allowed"),
    [
        ("make_order", "client_user", True),  # before payment
        ("make_order", "staff", True),
        ("paid_order", "client_user", False),  # paid: staff only (refund)
        ("paid_order", "staff", True),
        ("working_order", "corrector", False),
        ("working_order", "staff", True),
    ],
)
def test_who_may_cancel(request, fixture, actor, allowed):
    order = request.getfixturevalue(fixture)
    order = order() if callable(order) else order
    by = request.getfixturevalue(actor)
    if allowed:
        assert services.order_cancel(order=order, by=by).status == S.ANNULEE
    else:
        with pytest.raises(OrderError):
            services.order_cancel(order=order, by=by)


def test_final_orders_cannot_move(delivered_order, client_user, staff):
    order = services.order_accept_delivery(order=delivered_order, by=client_user)
    for move in (services.order_cancel, services.order_suspend):
        with pytest.raises(OrderError, match="Terminée"):
            move(order=order, by=staff)


def test_suspend_and_resume_return_to_the_previous_status(working_order, staff, corrector):
    order = services.order_suspend(order=working_order, by=staff, note="Client injoignable")
    assert order.status == S.SUSPENDUE
    with pytest.raises(OrderError):
        services.order_resume(order=order, by=corrector)
    order = services.order_resume(order=order, by=staff)
    assert order.status == S.EN_COURS and order.status_before_suspension == ""


def test_auto_assignment_picks_the_least_loaded_corrector(make_order, settings, working_order, corrector):
    settings.ORDERS_AUTO_ASSIGN = True
    idle = CorrectorFactory()
    order = make_order(title="Deuxième")
    order = services.order_mark_paid(order=order, amount=order.price)
    assert order.corrector == idle


def test_manuscripts_can_be_removed_only_before_work_starts(make_order, client_user, staff, corrector):
    order = make_order()
    manuscript = order.files.get()
    services.order_delete_file(order=order, stored_file=manuscript, by=client_user)
    manuscript.refresh_from_db()
    assert manuscript.deleted_at is not None

    services.order_add_manuscript(order=order, uploaded_file=demo_pdf("v2.pdf"), by=client_user)
    order = services.order_mark_paid(order=order, amount=order.price)
    order = services.order_assign_corrector(order=order, corrector=corrector, by=staff)
    order = services.order_start(order=order, by=corrector)
    with pytest.raises(OrderError, match="commencé"):
        services.order_add_manuscript(order=order, uploaded_file=demo_pdf("v3.pdf"), by=client_user)
    with pytest.raises(OrderError, match="commencé"):
        services.order_delete_file(order=order, stored_file=order.files.alive().get(), by=client_user)


def test_clients_cannot_delete_deliverables(delivered_order, client_user):
    deliverable = delivered_order.files.get(role=StoredFile.Role.DELIVERABLE)
    with pytest.raises(OrderError, match="corrigé"):
        services.order_delete_file(order=delivered_order, stored_file=deliverable, by=client_user)


def test_only_the_assigned_corrector_uploads_deliverables(working_order, client_user):
    with pytest.raises(OrderError):
        services.order_add_deliverable(order=working_order, uploaded_file=demo_pdf("x.pdf"), by=client_user)
    with pytest.raises(OrderError):
        services.order_add_deliverable(order=working_order, uploaded_file=demo_pdf("x.pdf"), by=CorrectorFactory())


def test_permissions_follow_the_transitions(make_order, client_user, staff, corrector, delivered_order):
    awaiting = make_order(title="Autre")
    assert services.order_permissions(order=awaiting, user=client_user)["cancel"]
    assert not services.order_permissions(order=awaiting, user=client_user)["start"]
    client_can = services.order_permissions(order=delivered_order, user=client_user)
    assert client_can["accept_delivery"] and client_can["request_revision"] and not client_can["cancel"]
    assert not client_can["see_corrector_note"]
    corrector_can = services.order_permissions(order=delivered_order, user=corrector)
    assert corrector_can["see_corrector_note"] and not corrector_can["accept_delivery"]
    assert services.order_permissions(order=delivered_order, user=staff)["cancel"]


def test_beat_schedule_names_real_idempotent_tasks(settings, delivered_order):
    from config.celery_app import app
    from orders import tasks

    app.loader.import_default_modules()  # what a worker does at start: autodiscover tasks.py

    assert {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} >= {
        "orders.tasks.finish_delivered_orders", "orders.tasks.purge_abandoned_orders", "orders.tasks.purge_order_files",
    }
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
    # Eager in tests: the task runs the service; twice is harmless.
    assert tasks.finish_delivered_orders.delay().get() == 0
    assert tasks.purge_abandoned_orders.delay().get() == 0


def test_the_same_file_is_attached_once(make_order, client_user, settings):
    """A double submit of an upload (same name, same bytes) adds one file and leaves no stray bytes."""
    order = make_order()
    services.order_add_manuscript(order=order, uploaded_file=demo_pdf("v2.pdf"), by=client_user)
    with pytest.raises(OrderError, match="déjà joint"):
        services.order_add_manuscript(order=order, uploaded_file=demo_pdf("v2.pdf"), by=client_user)
    assert order.files.filter(original_name="v2.pdf").count() == 1
    assert sum(1 for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()) == order.files.count()
    # Another name, or the same file once deleted, is a new upload.
    services.order_add_manuscript(order=order, uploaded_file=demo_pdf("v3.pdf"), by=client_user)
    services.order_delete_file(order=order, stored_file=order.files.get(original_name="v2.pdf"), by=client_user)
    services.order_add_manuscript(order=order, uploaded_file=demo_pdf("v2.pdf"), by=client_user)
