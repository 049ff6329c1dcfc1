"""The consultation calendar: weekly windows, exceptions, notice, bookings, DST."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from support.consultation import consultation_calendar, consultation_slot_is_free
from support.models import ConsultationAvailability, ConsultationBooking, ConsultationException

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")
MONDAY = date(2026, 12, 7)


def paris(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def times(calendar, day):
    return [slot.strftime("%H:%M") for d, slots in calendar if d == day for slot in slots]


MORNING = ["09:00", "09:30", "10:00", "10:30", "11:00"]
AFTERNOON = ["14:00", "14:30", "15:00", "15:30", "16:00", "16:30"]


def test_the_default_calendar_is_weekdays_morning_and_afternoon_over_14_days():
    # The data migration's windows: Monday to Friday, 09:00–11:30 and 14:00–17:00.
    assert ConsultationAvailability.objects.count() == 10
    calendar = consultation_calendar(now=paris(MONDAY - timedelta(days=1), 8))  # a Sunday morning

    days = [day for day, _slots in calendar]
    assert days == [MONDAY - timedelta(days=1) + timedelta(days=n) for n in range(14)]
    assert times(calendar, MONDAY) == MORNING + AFTERNOON
    assert times(calendar, MONDAY + timedelta(days=4)) == MORNING + AFTERNOON  # Friday
    assert times(calendar, MONDAY + timedelta(days=5)) == []  # Saturday
    assert times(calendar, MONDAY - timedelta(days=1)) == []  # Sunday
    # Every slot is an aware datetime in Paris time, 30 minutes apart.
    slot = next(slots[0] for _day, slots in calendar if slots)
    assert slot.tzinfo is not None and slot == paris(MONDAY, 9)


def test_the_calendar_stops_after_14_days(settings):
    calendar = consultation_calendar(now=paris(MONDAY, 7))
    assert len(calendar) == 14 and calendar[-1][0] == MONDAY + timedelta(days=13)
    settings.CONSULTATION_DAYS_AHEAD = 3
    assert [day for day, _ in consultation_calendar(now=paris(MONDAY, 7))] == [
        MONDAY, MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)]


def test_past_slots_and_those_within_the_notice_are_not_offered(settings):
    settings.CONSULTATION_MIN_NOTICE_MINUTES = 120
    calendar = consultation_calendar(now=paris(MONDAY, 8, 10))
    # 08:10 + 2 h: 10:10 is the earliest start.
    assert times(calendar, MONDAY) == ["10:30", "11:00", *AFTERNOON]
    late = consultation_calendar(now=paris(MONDAY, 16))
    assert times(late, MONDAY) == []
    assert times(late, MONDAY + timedelta(days=1)) == MORNING + AFTERNOON


def test_a_closed_day_a_closed_period_and_an_extra_opening():
    tuesday, wednesday, saturday = (MONDAY + timedelta(days=n) for n in (1, 2, 5))
    ConsultationException.objects.create(date=tuesday, kind=ConsultationException.Kind.CLOSED)
    ConsultationException.objects.create(date=wednesday, kind=ConsultationException.Kind.CLOSED,
                                         start_time=time(14, 0), end_time=time(15, 15))
    ConsultationException.objects.create(date=saturday, kind=ConsultationException.Kind.OPEN,
                                         start_time=time(10, 0), end_time=time(11, 0))

    calendar = consultation_calendar(now=paris(MONDAY, 7))
    assert times(calendar, tuesday) == []
    # 15:00–15:30 overlaps the closed period too.
    assert times(calendar, wednesday) == [*MORNING, "15:30", "16:00", "16:30"]
    assert times(calendar, saturday) == ["10:00", "10:30"]


def test_staff_windows_replace_the_defaults():
    ConsultationAvailability.objects.all().delete()
    ConsultationAvailability.objects.create(weekday=0, start_time=time(9, 0), end_time=time(9, 45))
    calendar = consultation_calendar(now=paris(MONDAY, 7))
    # A window that does not hold a whole last slot stops before it.
    assert times(calendar, MONDAY) == ["09:00"]
    assert times(calendar, MONDAY + timedelta(days=1)) == []


def test_booked_slots_are_not_offered_cancelled_ones_are():
    ConsultationBooking.objects.create(slot_start=paris(MONDAY, 9), slot_end=paris(MONDAY, 9, 30),
                                       name="Ada", email="ada@example.org", topic="Roman")
    ConsultationBooking.objects.create(slot_start=paris(MONDAY, 10), slot_end=paris(MONDAY, 10, 30), active=None,
                                       name="Bob", email="bob@example.org", topic="Essai")
    calendar = consultation_calendar(now=paris(MONDAY, 6))
    assert times(calendar, MONDAY)[:3] == ["09:30", "10:00", "10:30"]
    assert not consultation_slot_is_free(slot_start=paris(MONDAY, 9), now=paris(MONDAY, 6))
    assert consultation_slot_is_free(slot_start=paris(MONDAY, 10), now=paris(MONDAY, 6))


def test_a_slot_outside_the_calendar_is_not_free():
    now = paris(MONDAY, 6)
    assert not consultation_slot_is_free(slot_start=paris(MONDAY, 12), now=now)
    assert not consultation_slot_is_free(slot_start=paris(MONDAY, 9, 15), now=now)
    assert not consultation_slot_is_free(slot_start=paris(MONDAY + timedelta(days=20), 9), now=now)
    # The same instant written in UTC is the same slot.
    assert consultation_slot_is_free(slot_start=paris(MONDAY, 9).astimezone(UTC), now=now)


def test_slots_keep_their_wall_clock_time_across_the_dst_change():
    friday, sunday, monday = date(2027, 3, 26), date(2027, 3, 28), date(2027, 3, 29)
    # Summer time starts on Sunday 28 March 2027 at 02:00.
    ConsultationException.objects.create(date=sunday, kind=ConsultationException.Kind.OPEN,
                                         start_time=time(9, 0), end_time=time(10, 0))
    calendar = consultation_calendar(now=paris(friday, 6))
    slots = {day: found for day, found in calendar}

    assert slots[friday][0].astimezone(UTC).hour == 8   # 09:00 CET
    assert slots[sunday][0].astimezone(UTC).hour == 7   # 09:00 CEST
    assert slots[monday][0].astimezone(UTC).hour == 7
    assert times(calendar, sunday) == ["09:00", "09:30"]
    assert [s.strftime("%H:%M") for s in slots[monday]] == MORNING + AFTERNOON
    assert slots[sunday][1] - slots[sunday][0] == timedelta(minutes=30)


def test_the_calendar_costs_three_queries(django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        consultation_calendar(now=paris(MONDAY, 7))
