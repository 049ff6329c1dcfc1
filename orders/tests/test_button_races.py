"""Standing suite: 20 simultaneous submits of every order button -> one effect.

Each submit is a real POST through the view, from its own logged-in browser
(a separate test client), each thread with its own database connection. Needs
row locks: MariaDB in CI (skipped on SQLite). The "Payer" checkout race is
billing's (billing/tests).
"""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import CorrectorFactory
from core.testing import run_in_threads, server_database_only
from files.models import StoredFile
from orders import services
from orders.demo import demo_pdf
from orders.models import Order, OrderEvent, OrderRating

from .factories import ServiceFactory

pytestmark = [pytest.mark.django_db(transaction=True), server_database_only]
S = Order.Status
SUBMITS = 20


def submit_all(user, url, data=lambda: {}):
    """POST `url` SUBMITS times at once, each from its own logged-in browser."""
    browsers = []
    for _ in range(SUBMITS):
        browser = Client()
        browser.force_login(user)
        browsers.append(browser)
    statuses, errors = run_in_threads(browsers, lambda browser: browser.post(url, data()).status_code,
                                      threads=SUBMITS)
    assert errors == []
    assert statuses == [302] * SUBMITS  # every click answered (refused ones with a message), no 500


def action_url(order, slug):
    return reverse("orders:action", args=[order.pk, slug])


def status_events(order, to_status):
    return OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.STATUS, to_status=to_status).count()


@pytest.fixture
def assigned_order(paid_order, corrector, staff):
    return services.order_assign_corrector(order=paid_order, corrector=corrector, by=staff)


@pytest.fixture
def quoted_order(make_order):
    order = make_order(service=ServiceFactory(needs_page_verification=True), declared_pages=120)
    return order


# (fixture, who clicks, slug, form data, the status it leads to)
STATUS_BUTTONS = [
    ("assigned_order", "corrector", "start", {}, S.EN_COURS),
    ("delivered_order", "client_user", "accept-delivery", {}, S.TERMINE),
    ("make_order", "client_user", "cancel", {"note": ""}, S.ANNULEE),
    ("working_order", "staff", "suspend", {"note": ""}, S.SUSPENDUE),
]


@pytest.mark.parametrize(("fixture", "who", "slug", "data", "to_status"), STATUS_BUTTONS)
def test_one_status_change_per_button(request, fixture, who, slug, data, to_status):
    order = request.getfixturevalue(fixture)
    order = order() if callable(order) else order
    submit_all(request.getfixturevalue(who), action_url(order, slug), lambda: dict(data))
    order.refresh_from_db()
    assert order.status == to_status
    assert status_events(order, to_status) == 1


def test_deliver_once(working_order, corrector):
    services.order_add_deliverable(order=working_order, uploaded_file=demo_pdf("corrige.pdf"), by=corrector)
    submit_all(corrector, action_url(working_order, "deliver"), lambda: {"note": "Voici"})
    working_order.refresh_from_db()
    assert working_order.status == S.LIVREE and status_events(working_order, S.LIVREE) == 1


def test_revision_counted_once(delivered_order, client_user):
    submit_all(client_user, action_url(delivered_order, "revision"), lambda: {"comment": "Le chapitre 2"})
    delivered_order.refresh_from_db()
    assert delivered_order.status == S.EN_COURS and delivered_order.revision_count == 1
    assert OrderEvent.objects.filter(order=delivered_order, from_status=S.LIVREE, to_status=S.EN_COURS).count() == 1


def test_resume_once(working_order, staff):
    order = services.order_suspend(order=working_order, by=staff)
    submit_all(staff, action_url(order, "resume"))
    order.refresh_from_db()
    assert order.status == S.EN_COURS and status_events(order, S.EN_COURS) == 2  # start, then one resume


def test_quote_sent_once_then_accepted_once(quoted_order, staff, client_user):
    submit_all(staff, action_url(quoted_order, "send-quote"), lambda: {"verified_pages": 100})
    quoted_order.refresh_from_db()
    assert quoted_order.status == S.ESTIMATION_ENVOYEE and status_events(quoted_order, S.ESTIMATION_ENVOYEE) == 1
    submit_all(client_user, action_url(quoted_order, "accept-quote"))
    quoted_order.refresh_from_db()
    assert quoted_order.status == S.EN_ATTENTE and status_events(quoted_order, S.EN_ATTENTE) == 1


def test_quote_declined_once(quoted_order, staff, client_user):
    order = services.order_send_quote(order=quoted_order, verified_pages=100, by=staff)
    submit_all(client_user, action_url(order, "decline-quote"))
    order.refresh_from_db()
    assert order.status == S.ANNULEE and status_events(order, S.ANNULEE) == 1


def test_assigned_once(paid_order, staff):
    corrector = CorrectorFactory()
    submit_all(staff, action_url(paid_order, "assign"), lambda: {"corrector": corrector.pk})
    paid_order.refresh_from_db()
    assert paid_order.corrector == corrector
    assert OrderEvent.objects.filter(order=paid_order, kind=OrderEvent.Kind.ASSIGNMENT).count() == 1


@pytest.mark.parametrize(("fixture", "who", "slug", "role"), [
    ("make_order", "client_user", "upload-manuscript", StoredFile.Role.MANUSCRIPT),
    ("working_order", "corrector", "upload-deliverable", StoredFile.Role.DELIVERABLE),
])
def test_an_upload_submitted_20_times_is_attached_once(request, fixture, who, slug, role):
    order = request.getfixturevalue(fixture)
    order = order() if callable(order) else order
    before = order.files.filter(role=role).count()
    submit_all(request.getfixturevalue(who), action_url(order, slug), lambda: {"files": demo_pdf("version-2.pdf")})
    added = order.files.filter(role=role, original_name="version-2.pdf")
    assert added.count() == 1 and order.files.filter(role=role).count() == before + 1
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.FILE, note="version-2.pdf").count() == 1
    stored = added.get()
    storage = stored.file.storage
    # The refused copies left no bytes behind.
    folder = stored.file.name.rsplit("/", 1)[0]
    assert len(storage.listdir(folder)[1]) == order.files.count()


def test_rated_once(delivered_order, client_user, corrector):
    """20 simultaneous "Envoyer mon évaluation" -> one rating."""
    finished = services.order_accept_delivery(order=delivered_order, by=client_user)
    submit_all(client_user, action_url(finished, "rate"), lambda: {"score": "4", "comment": "Très bien"})
    rating = OrderRating.objects.get(order=finished)
    assert (rating.score, rating.comment, rating.corrector_id) == (4, "Très bien", corrector.pk)
    assert OrderRating.objects.count() == 1
