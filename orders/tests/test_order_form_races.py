"""Standing suite: 20 simultaneous submits of the same order form -> one order.

Each submit is a real POST through the view, from its own browser and
thread (its own database connection), all with the form's one-time key:
a logged-in client, then a visitor (whose account and order come from one
outbox task). Needs a server database (MariaDB in CI; skipped on SQLite)."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from core.models import OutboxTask
from core.testing import run_in_threads, server_database_only
from files.models import StoredFile
from orders.demo import demo_pdf
from orders.forms import order_form_submission_key
from orders.models import Order
from orders.tests.fixtures import TERMS_ACCEPTED

from .test_kept_manuscripts import pending_files
from .test_visitor_enumeration import form_data

pytestmark = [pytest.mark.django_db(transaction=True), server_database_only, pytest.mark.usefixtures("terms")]
SUBMITS = 20


def submit_all(browsers, data):
    def post(browser):
        response = browser.post(reverse("orders:create"), data())
        return response.status_code, response.get("Location")

    outcomes, errors = run_in_threads(browsers, post, threads=SUBMITS)
    assert errors == []
    return outcomes


def test_a_client_form_submitted_20_times_at_once_makes_one_order(client_user, service):
    browsers = []
    for _ in range(SUBMITS):
        browser = Client()
        browser.force_login(client_user)
        browsers.append(browser)
    submission = order_form_submission_key()
    outcomes = submit_all(browsers, lambda: {
        "service": service.pk, "title": "Voyage", "declared_pages": 40, "submission": submission,
        "manuscripts": [demo_pdf("voyage.pdf")], **TERMS_ACCEPTED,
    })
    order = Order.objects.get()
    assert outcomes == [(302, order.get_absolute_url())] * SUBMITS  # all on the same page, no 500
    assert order.files.count() == 1 and StoredFile.objects.count() == 1


@pytest.mark.parametrize("taken", [False, True])
def test_a_visitor_form_submitted_20_times_at_once_has_one_effect(service, settings, taken):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "register": "1000/h"}
    if taken:
        from accounts.tests.factories import UserFactory

        UserFactory(email="leon@example.org")
    submission = order_form_submission_key()
    outcomes = submit_all([Client() for _ in range(SUBMITS)],
                          lambda: form_data(service, "leon@example.org", submission=submission))
    assert outcomes == [(302, reverse("orders:visitor_done"))] * SUBMITS
    assert OutboxTask.objects.filter(task="orders.tasks.complete_visitor_order").count() == 1
    assert User.objects.filter(email="leon@example.org").count() == 1
    assert Order.objects.count() == (0 if taken else 1) and StoredFile.objects.count() == (0 if taken else 1)
    assert [m.to for m in mail.outbox] == [["leon@example.org"]]  # one activation, or one warning
    assert pending_files() == []
