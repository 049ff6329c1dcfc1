"""Booking a consultation: the page, the service, the .ics, the cancel link,
the team's list."""

from datetime import datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import AdminFactory, UserFactory
from core.models import OutboxEmail
from core.testing import page_text
from support import consultation
from support.consultation import (
    SlotTaken,
    consultation_book,
    consultation_calendar,
    consultation_cancel,
    consultation_cancel_token,
    consultation_ics,
)
from support.models import ConsultationBooking, Ticket
from support.public_forms import submission_key_new

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")


def next_weekday(hour, minute=0, *, days=2):
    """A weekday slot a few days ahead (always in the default calendar)."""
    day = timezone.localdate() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def book(slot=None, **overrides):
    fields = {"slot_start": slot or next_weekday(9), "name": "Ada Lovelace", "email": "ada@example.org",
              "phone": "06 12 34 56 78", "topic": "Mon premier roman, 300 pages", **overrides}
    return consultation_book(**fields)


def form_data(when, **overrides):
    return {"slot": when.isoformat(), "name": "Ada Lovelace", "email": "ada@example.org", "phone": "",
            "topic": "Mon premier roman", "consent": "on", "website": "", "submission": submission_key_new(),
            **overrides}


def ics_fields(text):
    """The unfolded lines of an iCalendar text, as a dict (first value wins)."""
    assert "\r\n" in text
    unfolded = text.replace("\r\n ", "")
    fields = {}
    for line in unfolded.split("\r\n"):
        if ":" in line:
            key, value = line.split(":", 1)
            fields.setdefault(key, value)
    return fields


# --- The service ---------------------------------------------------------------------


def test_booking_makes_a_ticket_and_a_confirmation_with_an_ics(django_capture_on_commit_callbacks):
    slot = next_weekday(14, 30)
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(slot)

    assert booking.active is True and booking.slot_end - booking.slot_start == timedelta(minutes=30)
    ticket = booking.ticket
    assert ticket.source == Ticket.Source.CONSULTATION and ticket.visitor_email == "ada@example.org"
    assert "14:30" in ticket.title and ticket.description == "Mon premier roman, 300 pages"
    [email] = [m for m in mail.outbox if m.to == ["ada@example.org"]]
    assert "14:30" in email.subject
    [(name, content, mimetype)] = email.attachments
    assert name == "consultation.ics" and mimetype == "text/calendar"
    fields = ics_fields(content if isinstance(content, str) else content.decode())
    assert fields["BEGIN"] == "VCALENDAR"
    assert fields["DTSTART"] == slot.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert fields["DTEND"] == (slot + timedelta(minutes=30)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert fields["UID"] == f"consultation-{booking.pk}@127.0.0.1"
    assert fields["SUMMARY"] == "Consultation Staka Livres"
    assert fields["ORGANIZER;CN=Staka Livres"] == "mailto:contact@staka-editions.com"
    # The cancel link is in the e-mail, never in the outbox.
    cancel_url = reverse("public:consultation_cancel", args=[consultation_cancel_token(booking)])
    assert cancel_url in email.body
    record = OutboxEmail.objects.get(template="consultation_booked")
    assert record.context == {"booking_id": str(booking.pk)}


def test_the_ics_escapes_and_folds_long_text():
    slot = next_weekday(9)
    booking = book(slot, topic="Roman; chapitres 1, 2 et 3\n" + "é" * 80)
    text = consultation_ics(booking)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    fields = ics_fields(text)
    assert fields["DESCRIPTION"] == "Roman\\; chapitres 1\\, 2 et 3\\n" + "é" * 80
    assert fields["DTSTART"].endswith("Z")


def test_a_logged_in_client_books_as_the_requester():
    user = UserFactory()
    booking = book(user=user, email=user.email)
    assert booking.user == user and booking.ticket.requester == user


def test_a_booked_slot_cannot_be_booked_again_and_nothing_is_written():
    slot = next_weekday(10)
    book(slot)
    with pytest.raises(SlotTaken):
        book(slot, email="bob@example.org")
    assert ConsultationBooking.objects.count() == 1 and Ticket.objects.count() == 1


def test_a_slot_outside_the_calendar_is_refused():
    for slot in (next_weekday(12), next_weekday(9, 15), timezone.now() - timedelta(days=1),
                 next_weekday(9, days=30)):
        with pytest.raises(SlotTaken):
            book(slot)
    assert not ConsultationBooking.objects.exists() and not Ticket.objects.exists()


def test_the_unique_constraint_decides_a_simultaneous_booking():
    """The other booking committed between our check and our INSERT: the
    database refuses ours, and no ticket or e-mail is left behind."""
    slot = next_weekday(11)
    ConsultationBooking.objects.create(slot_start=slot, slot_end=slot + timedelta(minutes=30), name="Bob",
                                       email="bob@example.org", topic="Essai")
    with mock.patch.object(consultation, "consultation_slot_is_free", return_value=True):
        with pytest.raises(SlotTaken, match="vient d'être réservé"):
            book(slot)
    assert ConsultationBooking.objects.count() == 1
    assert not Ticket.objects.exists() and not OutboxEmail.objects.exists()


def test_the_same_submission_twice_is_one_booking():
    key = "une-cle-de-formulaire"
    first = book(next_weekday(9), submission_key=key)
    second = book(next_weekday(9), submission_key=key)
    assert first == second
    assert ConsultationBooking.objects.count() == 1 and Ticket.objects.count() == 1


# --- Cancelling ----------------------------------------------------------------------


def test_cancelling_frees_the_slot_and_works_once(django_capture_on_commit_callbacks):
    slot = next_weekday(15)
    booking = book(slot)
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = consultation_cancel(booking=booking)

    assert cancelled.cancelled_at is not None and cancelled.active is None
    assert any(slot in slots for _day, slots in consultation_calendar())
    # The team reads it in the ticket's conversation.
    last = booking.ticket.conversation.messages.order_by("-id").first()
    assert "annulé" in last.content and last.visitor_email == "ada@example.org"
    assert [m for m in mail.outbox if "annulée" in m.subject and m.to == ["ada@example.org"]]
    with pytest.raises(consultation.ConsultationError, match="déjà annulé"):
        consultation_cancel(booking=booking)
    # The slot can be booked again.
    assert book(slot, email="bob@example.org").slot_start == slot


def test_a_past_booking_cannot_be_cancelled():
    booking = book(next_weekday(9))
    with pytest.raises(consultation.ConsultationError, match="passé"):
        consultation_cancel(booking=booking, now=booking.slot_start + timedelta(minutes=1))
    booking.refresh_from_db()
    assert booking.active is True


def test_the_cancel_link(client):
    booking = book(next_weekday(9))
    url = reverse("public:consultation_cancel", args=[consultation_cancel_token(booking)])

    page = client.get(url)
    assert page.status_code == 200 and "Annuler le rendez-vous" in page_text(page)
    assert client.get(url).status_code == 200  # a GET changes nothing
    assert ConsultationBooking.objects.get().active is True

    response = client.post(url)
    assert response.status_code == 302
    assert "Votre rendez-vous est annulé" in page_text(client.get(url))
    assert ConsultationBooking.objects.get().active is None
    # Used: a second POST changes nothing and says so.
    client.post(url)
    assert "Ce rendez-vous est annulé" in page_text(client.get(url))
    assert Ticket.objects.get().conversation.messages.filter(content__contains="annulé").count() == 1


@pytest.mark.parametrize("token", ["inconnu", "e30:forged:signature"])
def test_a_forged_cancel_link_is_a_404(client, token):
    book(next_weekday(9))
    assert client.get(reverse("public:consultation_cancel", args=[token])).status_code == 404
    assert client.post(reverse("public:consultation_cancel", args=[token])).status_code == 404


def test_a_link_to_a_deleted_booking_is_a_404(client):
    booking = book(next_weekday(9))
    url = reverse("public:consultation_cancel", args=[consultation_cancel_token(booking)])
    ConsultationBooking.objects.all().delete()
    assert client.get(url).status_code == 404


# --- The page ------------------------------------------------------------------------


def test_the_page_shows_the_free_slots_as_radio_buttons(client):
    taken = next_weekday(9)
    book(taken)
    response = client.get(reverse("public:consultation"))
    html = response.content.decode()
    free = next_weekday(9, 30)
    assert f'value="{free.isoformat()}"' in html
    assert f'value="{taken.isoformat()}"' not in html
    assert 'type="radio"' in html and reverse("cms:privacy") in html


def test_the_page_costs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for hour in (9, 10, 11):
        book(next_weekday(hour), email=f"p{hour}@example.org")
    with django_assert_max_num_queries(6):
        client.get(reverse("public:consultation"))


def test_booking_through_the_page(client):
    slot = next_weekday(16, 30)
    response = client.post(reverse("public:consultation"), form_data(slot))
    assert response["Location"] == reverse("public:done", args=["consultation"])
    booking = ConsultationBooking.objects.get()
    assert booking.slot_start == slot and booking.ticket.source == Ticket.Source.CONSULTATION
    done = page_text(client.get(response["Location"]))
    assert "16:30" in done and "réservée" in done


def test_a_taken_slot_through_the_page_asks_for_another(client):
    slot = next_weekday(10, 30)
    book(slot)
    response = client.post(reverse("public:consultation"), form_data(slot, email="bob@example.org"))
    assert response.status_code == 200
    assert "Ce créneau n'est plus disponible, choisissez-en un autre." in page_text(response)
    assert ConsultationBooking.objects.count() == 1


@pytest.mark.parametrize("field, value, error", [
    ("slot", "", "Choisissez un créneau dans le calendrier."),
    ("slot", "demain matin", "Choisissez un créneau dans le calendrier."),
    ("topic", "", "Ce champ est obligatoire."),
    ("email", "ada@", "Saisissez une adresse de courriel valide."),
    ("consent", "", "Votre accord est nécessaire"),
])
def test_a_missing_or_invalid_field_books_nothing(client, field, value, error):
    data = form_data(next_weekday(9), **{field: value})
    if not value:
        data.pop(field)
    response = client.post(reverse("public:consultation"), data)
    assert error in page_text(response)
    assert not ConsultationBooking.objects.exists() and not Ticket.objects.exists()


def test_the_form_keeps_the_chosen_slot_after_an_error(client):
    slot = next_weekday(14)
    response = client.post(reverse("public:consultation"), form_data(slot, topic=""))
    assert f'value="{slot.isoformat()}" checked' in response.content.decode()


def test_the_consultation_honeypot(client):
    response = client.post(reverse("public:consultation"), form_data(next_weekday(9), website="bot"))
    assert response["Location"] == reverse("public:done", args=["consultation"])
    assert not ConsultationBooking.objects.exists()


def test_a_burst_of_50_bookings_is_stopped(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "public_form": "10/h"}
    statuses = [client.post(reverse("public:consultation"), form_data(next_weekday(9))).status_code
                for _ in range(50)]
    assert statuses.count(429) == 40


# --- The team's list ----------------------------------------------------------------


def test_staff_see_the_upcoming_bookings_by_day(client, django_assert_max_num_queries):
    first, second = next_weekday(9), next_weekday(14, days=3)
    ada = book(first, name="Ada Lovelace")
    book(second, name="Boris Vian", email="boris@example.org")
    cancelled = book(next_weekday(10), name="Claude Simon", email="claude@example.org")
    consultation_cancel(booking=cancelled)
    client.force_login(AdminFactory())
    with django_assert_max_num_queries(8):
        response = client.get(reverse("public:consultation_bookings"))
    text = page_text(response)
    assert "Ada Lovelace" in text and "Boris Vian" in text and "Claude Simon" not in text
    assert text.index("Ada Lovelace") < text.index("Boris Vian")
    assert reverse("support:staff_ticket", args=[ada.ticket.number]) in response.content.decode()
    assert f"Ticket n° {ada.ticket.number}" in text


@pytest.mark.parametrize("who", [None, UserFactory])
def test_only_staff_see_the_bookings(client, who):
    book(next_weekday(9))
    if who:
        client.force_login(who())
    response = client.get(reverse("public:consultation_bookings"))
    assert response.status_code in (302, 403)
    assert "Ada Lovelace" not in page_text(response)


def test_the_admin_lists_bookings(client):
    book(next_weekday(9))
    client.force_login(AdminFactory())
    response = client.get(reverse("admin:support_consultationbooking_changelist") + "?state=active")
    assert response.status_code == 200 and "Ada Lovelace" in page_text(response)
    assert client.get(reverse("admin:support_consultationavailability_changelist")).status_code == 200
    assert client.get(reverse("admin:support_consultationexception_add")).status_code == 200



def test_a_clients_bookings_are_in_their_export_and_go_with_their_account():
    from core.registry import personal_data_parts

    user = UserFactory()
    booking = book(user=user, email=user.email, topic="Mon roman zqx")
    part = personal_data_parts["consultations"]
    assert part.export(user)[0]["topic"] == "Mon roman zqx"
    part.anonymise(user)
    booking.refresh_from_db()
    assert (booking.name, booking.email, booking.phone, booking.topic, booking.user) == ("", "", "", "", None)
    assert booking.active is True  # the slot stays taken
