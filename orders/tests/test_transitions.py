"""Each order button allows exactly its own move, for its own role.

The expected rules are written out here by hand (not read from
services.ACTIONS), so a table that drifts from the product's rules fails.
"""

import pytest
from django.urls import reverse

from accounts.tests.factories import CorrectorFactory
from orders import services
from orders.demo import demo_pdf
from orders.models import Order, OrderEvent

pytestmark = pytest.mark.django_db
S = Order.Status
AWAITING = {S.EN_ATTENTE, S.EN_ATTENTE_VERIFICATION, S.ESTIMATION_ENVOYEE}
ACTIVE = {S.PAYEE, S.EN_COURS, S.LIVREE, S.SUSPENDUE}
# Where a suspended order of this matrix goes back to.
SUSPENDED_FROM = S.EN_COURS

# slug -> [(statuses it may start from, roles allowed there)], and where it leads
# (None: the status does not change, another effect is checked).
RULES = {
    "start": ([(({S.PAYEE}), {"corrector"})], S.EN_COURS),
    "deliver": ([({S.EN_COURS}, {"corrector"})], S.LIVREE),
    "accept-delivery": ([({S.LIVREE}, {"client"})], S.TERMINE),
    "revision": ([({S.LIVREE}, {"client"})], S.EN_COURS),
    "accept-quote": ([({S.ESTIMATION_ENVOYEE}, {"client"})], S.EN_ATTENTE),
    "decline-quote": ([({S.ESTIMATION_ENVOYEE}, {"client"})], S.ANNULEE),
    "send-quote": ([({S.EN_ATTENTE_VERIFICATION}, {"staff"})], S.ESTIMATION_ENVOYEE),
    "cancel": ([(AWAITING, {"client", "staff"}), (ACTIVE, {"staff"})], S.ANNULEE),
    "suspend": ([(AWAITING | {S.PAYEE, S.EN_COURS, S.LIVREE}, {"staff"})], S.SUSPENDUE),
    "resume": ([({S.SUSPENDUE}, {"staff"})], SUSPENDED_FROM),
    "assign": ([(ACTIVE, {"staff"})], None),
    "upload-manuscript": ([(AWAITING | {S.PAYEE}, {"client"})], None),
    "upload-deliverable": ([({S.EN_COURS}, {"corrector"})], None),
    "corrector-note": ([(set(S), {"corrector", "staff"})], None),
}


def expected_allowed(slug, status, role):
    return any(status in statuses and role in roles for statuses, roles in RULES[slug][0])


def post_data(slug, other_corrector, status):
    return {
        "revision": {"comment": "Le chapitre 2"},
        "send-quote": {"verified_pages": 120},
        "assign": {"corrector": other_corrector.pk},
        "upload-manuscript": {"files": demo_pdf(f"ajout-{status}.pdf")},
        "upload-deliverable": {"files": demo_pdf(f"corrige-{status}.pdf")},
        "corrector-note": {"corrector_note": "Une note"},
    }.get(slug, {"note": ""})


def snapshot(order):
    order.refresh_from_db()
    return (order.status, order.corrector_id, order.corrector_note, order.revision_count,
            order.events.count(), order.files.count())


@pytest.fixture
def matrix_order(delivered_order):
    """An order with an assigned corrector and a deliverable, whatever its status."""
    return delivered_order


def put_in(order, status):
    Order.objects.filter(pk=order.pk).update(
        status=status, corrector_note="", revision_count=0,
        status_before_suspension=SUSPENDED_FROM if status == S.SUSPENDUE else "",
    )
    order.refresh_from_db()


@pytest.mark.parametrize("role", ["client", "corrector", "staff"])
@pytest.mark.parametrize("slug", sorted(RULES))
def test_each_button_allows_only_its_own_move_for_its_own_role(
    client, matrix_order, client_user, corrector, staff, slug, role
):
    user = {"client": client_user, "corrector": corrector, "staff": staff}[role]
    other_corrector = CorrectorFactory()
    client.force_login(user)
    url = reverse("orders:action", args=[matrix_order.pk, slug])
    for status in S:
        put_in(matrix_order, status)
        before = snapshot(matrix_order)
        client.post(url, post_data(slug, other_corrector, status))
        after = snapshot(matrix_order)
        where = f"{slug} by {role} on {status}"
        if not expected_allowed(slug, status, role):
            assert after == before, f"{where} should be refused"
            continue
        assert after != before, f"{where} should be allowed"
        assert after[4] > before[4] or slug == "corrector-note", f"{where} left no history"
        to = RULES[slug][1]
        assert after[0] == (to if to is not None else status), where
        if slug == "assign":
            assert after[1] == other_corrector.pk
            Order.objects.filter(pk=matrix_order.pk).update(corrector=corrector)


def test_client_cannot_reopen_a_delivered_order_with_start(client, delivered_order, client_user):
    """The client's only way back to work is a counted revision."""
    client.force_login(client_user)
    events = delivered_order.events.count()
    response = client.post(reverse("orders:action", args=[delivered_order.pk, "start"]), follow=True)
    assert "Vous ne pouvez pas effectuer cette action" in response.content.decode()
    delivered_order.refresh_from_db()
    assert delivered_order.status == S.LIVREE and delivered_order.revision_count == 0
    assert delivered_order.events.count() == events
    with pytest.raises(services.OrderError):
        services.order_start(order=delivered_order, by=client_user)


def test_corrector_cannot_file_the_clients_revision(client, paid_order, corrector, staff):
    order = services.order_assign_corrector(order=paid_order, corrector=corrector, by=staff)
    client.force_login(corrector)
    client.post(reverse("orders:action", args=[order.pk, "revision"]), {"comment": "Je reprends"})
    order.refresh_from_db()
    assert order.status == S.PAYEE and order.revision_count == 0
    assert not order.events.filter(to_status=S.EN_COURS).exists()
    with pytest.raises(services.OrderError):
        services.order_request_revision(order=order, by=corrector, comment="Je reprends")


def test_the_buttons_shown_are_the_moves_allowed(matrix_order, client_user, corrector, staff):
    """order_permissions() and the services read the same table."""
    slugs_to_permission = {
        "start": "start", "deliver": "deliver", "accept-delivery": "accept_delivery", "revision": "request_revision",
        "accept-quote": "accept_quote", "decline-quote": "decline_quote", "send-quote": "send_quote",
        "cancel": "cancel", "suspend": "suspend", "resume": "resume", "assign": "assign",
        "upload-manuscript": "upload_manuscript", "upload-deliverable": "upload_deliverable",
        "corrector-note": "see_corrector_note",
    }
    users = {"client": client_user, "corrector": corrector, "staff": staff}
    for status in S:
        put_in(matrix_order, status)
        for role, user in users.items():
            can = services.order_permissions(order=matrix_order, user=user)
            for slug, permission in slugs_to_permission.items():
                assert can[permission] == expected_allowed(slug, status, role), (slug, role, status)


def test_auto_finish_is_the_systems_move_only(delivered_order, staff):
    with pytest.raises(services.OrderError):
        services.order_accept_delivery(order=delivered_order, by=staff)
    assert not OrderEvent.objects.filter(order=delivered_order, to_status=S.TERMINE).exists()
