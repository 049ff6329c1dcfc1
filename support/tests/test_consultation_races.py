"""Standing suite (issue 8): simultaneous submits of the public forms -> one
effect. Real POSTs through the views, each from its own browser and database
connection. Needs row locks: MariaDB in CI (skipped on SQLite)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import OutboxEmail
from core.testing import run_in_threads, server_database_only, submit_all
from files.models import StoredFile
from orders.tests.factories import ServiceFactory
from support.consultation import consultation_book, consultation_cancel_token
from support.models import ConsultationBooking, Ticket
from support.public_forms import submission_key_new

from .consultation_fixtures import migrated_rows
from .test_public_forms import pdf

pytestmark = [pytest.mark.django_db(transaction=True), server_database_only]


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    """20 submits from one address are what these tests send; the limit has its own tests."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "public_form": "1000/h"}


@pytest.fixture(autouse=True)
def _migrated_rows():
    migrated_rows()


def a_slot():
    day = timezone.localdate() + timedelta(days=3)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(10, 30), tzinfo=ZoneInfo("Europe/Paris"))


def person(n, **fields):
    return {"name": f"Personne {n}", "email": f"personne{n}@example.org", "phone": "", "consent": "on",
            "website": "", **fields}


def test_two_people_booking_one_slot_at_once_make_one_booking():
    slot = a_slot()

    def attempt(n):
        try:
            consultation_book(slot_start=slot, name=f"Personne {n}", email=f"personne{n}@example.org",
                              topic="Mon roman")
        except Exception as error:  # noqa: BLE001 - the loser's answer is checked below
            return type(error).__name__
        return "booked"

    results, errors = run_in_threads([1, 2], attempt, threads=2)
    assert errors == []
    assert sorted(results) == ["SlotTaken", "booked"]
    assert ConsultationBooking.objects.filter(slot_start=slot, active=True).count() == 1
    # The loser wrote nothing: one ticket, one confirmation.
    assert Ticket.objects.count() == 1
    assert OutboxEmail.objects.filter(template="consultation_booked").count() == 1


def test_twenty_people_booking_one_slot_through_the_page_make_one_booking():
    slot = a_slot()
    url = reverse("public:consultation")
    counter = iter(range(100))
    responses = submit_all(None, url, lambda: person(next(counter), slot=slot.isoformat(), topic="Mon roman",
                                                        submission=submission_key_new()))
    assert sum(r.status_code == 302 for r in responses) == 1
    losers = [r for r in responses if r.status_code == 200]
    assert len(losers) == 19
    assert all("choisissez-en un autre" in r.content.decode() for r in losers)
    assert ConsultationBooking.objects.count() == 1 and Ticket.objects.count() == 1


def test_one_booking_form_sent_20_times_books_once():
    key = submission_key_new()
    data = person(1, slot=a_slot().isoformat(), topic="Mon roman", submission=key)
    responses = submit_all(None, reverse("public:consultation"), lambda: dict(data))
    assert {r.status_code for r in responses} == {302}
    assert ConsultationBooking.objects.count() == 1 and Ticket.objects.count() == 1
    assert OutboxEmail.objects.filter(template="consultation_booked").count() == 1


def test_cancel_pressed_20_times_cancels_once():
    booking = consultation_book(slot_start=a_slot(), name="Ada", email="ada@example.org", topic="Roman")
    url = reverse("public:consultation_cancel", args=[consultation_cancel_token(booking)])
    submit_all(None, url)
    booking.refresh_from_db()
    assert booking.cancelled_at is not None and booking.active is None
    assert booking.ticket.conversation.messages.filter(content__contains="annulé").count() == 1
    assert OutboxEmail.objects.filter(template="consultation_cancelled").count() == 1


def test_contact_form_sent_20_times_opens_one_ticket():
    data = person(1, subject="Un devis", message="Bonjour", submission=submission_key_new())
    responses = submit_all(None, reverse("public:contact"), lambda: dict(data))
    assert {r.status_code for r in responses} == {302}
    assert Ticket.objects.count() == 1
    assert OutboxEmail.objects.filter(template="contact_received").count() == 1


def test_free_sample_sent_20_times_opens_one_ticket_and_keeps_the_file_once():
    service = ServiceFactory()
    key = submission_key_new()
    responses = submit_all(None, reverse("public:free_sample"),
                           lambda: person(1, service=service.pk, sample=pdf(), submission=key))
    assert {r.status_code for r in responses} == {302}
    assert Ticket.objects.count() == 1
    assert OutboxEmail.objects.filter(template="free_sample_received").count() == 1
    assert StoredFile.objects.available().filter(original_name="extrait.pdf").count() == 1
