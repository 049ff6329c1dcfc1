"""Consultation booking: the calendar of free slots and the services that
book and cancel them.

The calendar is computed, never stored: staff's weekly windows
(ConsultationAvailability) and dated exceptions (ConsultationException), in
Paris time, cut into CONSULTATION_SLOT_MINUTES slots over the next
CONSULTATION_DAYS_AHEAD days, minus the slots starting within
CONSULTATION_MIN_NOTICE_MINUTES and the booked ones. Slots are built from
wall-clock times with zoneinfo, so a DST change day still offers 09:00, not
08:00 or 10:00.

Two people booking one slot at the same moment: the unique constraint on
(slot_start, active) lets one INSERT through; the other gets SlotTaken.
"""

import logging
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.emails import queue_templated_email
from messaging import services as messaging

from .models import ConsultationAvailability, ConsultationBooking, ConsultationException, Ticket
from .public_services import requester_fields
from .services import ticket_open

logger = logging.getLogger(__name__)

CANCEL_SALT = "support.consultation.cancel"


class ConsultationError(Exception):
    """A booking or a cancellation refused, with a French message for the person."""


class SlotTaken(ConsultationError):
    pass


def paris():
    return ZoneInfo(settings.TIME_ZONE)


def slot_length():
    return timedelta(minutes=settings.CONSULTATION_SLOT_MINUTES)


# --- The calendar ------------------------------------------------------------------


def _windows_by_date(dates):
    """date → sorted list of (start time, end time) open that day."""
    weekly = {}
    for window in ConsultationAvailability.objects.all():
        weekly.setdefault(window.weekday, []).append((window.start_time, window.end_time))
    exceptions = {}
    for exception in ConsultationException.objects.filter(date__gte=dates[0], date__lte=dates[-1]):
        exceptions.setdefault(exception.date, []).append(exception)
    windows = {}
    for day in dates:
        opened = list(weekly.get(day.weekday(), []))
        closed = []
        for exception in exceptions.get(day, []):
            if exception.kind == ConsultationException.Kind.OPEN:
                opened.append((exception.start_time, exception.end_time))
            elif exception.start_time is None:
                opened = []
                closed.append(None)  # the whole day, extra openings of that date included
            else:
                closed.append((exception.start_time, exception.end_time))
        windows[day] = [] if None in closed else [(start, end, closed) for start, end in sorted(opened)]
    return windows


def _day_slots(day, windows):
    """Every slot start (aware, Paris) of one day, in order, without repeats."""
    step, zone, starts = slot_length(), paris(), set()
    for start, end, closed in windows:
        cursor = datetime.combine(day, start)
        limit = datetime.combine(day, end)
        while cursor + step <= limit:
            slot_start, slot_end = cursor.time(), (cursor + step).time()
            # A slot overlapping a closed period is not offered.
            if not any(slot_start < c_end and c_start < slot_end for c_start, c_end in closed):
                starts.add(cursor.replace(tzinfo=zone))
            cursor += step
    return sorted(starts)


def consultation_calendar(*, now=None):
    """The days to show, in order: [(date, [free slot starts])] over the next
    CONSULTATION_DAYS_AHEAD days (today included), days without a free slot
    included so the calendar reads as weeks. Three queries."""
    now = now or timezone.now()
    today = timezone.localtime(now, paris()).date()
    dates = [today + timedelta(days=offset) for offset in range(settings.CONSULTATION_DAYS_AHEAD)]
    earliest = now + timedelta(minutes=settings.CONSULTATION_MIN_NOTICE_MINUTES)
    windows = _windows_by_date(dates)
    slots = {day: [s for s in _day_slots(day, windows[day]) if s >= earliest] for day in dates}
    everything = [s for day in dates for s in slots[day]]
    booked = set()
    if everything:
        booked = {
            timezone.localtime(start, paris())
            for start in ConsultationBooking.objects.filter(
                active=True, slot_start__gte=everything[0], slot_start__lte=everything[-1]
            ).values_list("slot_start", flat=True)
        }
    return [(day, [s for s in slots[day] if s not in booked]) for day in dates]


def consultation_slot_is_free(*, slot_start, now=None):
    """Whether ``slot_start`` is one of the slots the calendar offers now."""
    local = timezone.localtime(slot_start, paris())
    return any(local in free for day, free in consultation_calendar(now=now) if day == local.date())


def slot_label(slot_start):
    """« mardi 1 décembre 2026 à 14:30 » (Paris time)."""
    local = timezone.localtime(slot_start, paris())
    return _("%(day)s à %(time)s") % {"day": date_format(local, "l j F Y"), "time": date_format(local, "H:i")}


# --- Booking -----------------------------------------------------------------------


def consultation_book(*, slot_start, name, email, phone="", topic, user=None, submission_key=None, now=None):
    """Book a free slot: the booking, its ticket (source CONSULTATION) and the
    confirmation e-mail (with its .ics) in one transaction. Raises SlotTaken
    when the slot is not free (any more), ConsultationError otherwise. The same
    ``submission_key`` twice returns the first booking."""
    if existing := _booking_for_key(submission_key):
        return existing
    if not consultation_slot_is_free(slot_start=slot_start, now=now):
        # Taken by this very form, sent again while the first one was booking?
        if existing := _booking_for_key(submission_key):
            return existing
        raise SlotTaken(_("Ce créneau n'est plus disponible, choisissez-en un autre."))
    client = requester_fields(user=user, name=name, email=email, phone=phone).get("requester")
    try:
        with transaction.atomic():
            # First write of the transaction: a concurrent booking of the same
            # slot waits on this row and fails, before any ticket exists.
            booking = ConsultationBooking.objects.create(
                slot_start=slot_start, slot_end=slot_start + slot_length(), name=name, email=email, phone=phone,
                topic=topic, user=client, submission_key=submission_key or None,
            )
            booking.ticket = ticket_open(
                title=_("Consultation du %(when)s") % {"when": slot_label(slot_start)},
                description=topic, source=Ticket.Source.CONSULTATION, submission_key=submission_key or None,
                **requester_fields(user=user, name=name, email=email, phone=phone),
            )
            booking.save(update_fields=["ticket"])
            queue_templated_email(template="consultation_booked", to=email, context={"booking_id": str(booking.pk)})
    except IntegrityError:
        # Outside the failed transaction, a fresh read sees the winner.
        if existing := _booking_for_key(submission_key):
            return existing
        logger.info("consultation: slot %s taken by a concurrent booking", slot_start.isoformat())
        raise SlotTaken(_("Ce créneau vient d'être réservé, choisissez-en un autre.")) from None
    logger.info("consultation booked: %s (ticket #%s)", booking.pk, booking.ticket.number)
    return booking


def _booking_for_key(submission_key):
    if not submission_key:
        return None
    return ConsultationBooking.objects.filter(submission_key=submission_key).first()


# --- Cancelling ----------------------------------------------------------------------


def consultation_cancel_token(booking):
    """The credential of the cancel link: the booking's id, signed. Nothing
    secret is stored (the e-mail outbox keeps only the booking id; the link
    is made when the e-mail is sent)."""
    return signing.Signer(salt=CANCEL_SALT).sign(str(booking.pk))


def consultation_cancel_url(booking):
    return settings.SITE_URL + reverse("public:consultation_cancel", args=[consultation_cancel_token(booking)])


def consultation_booking_for_token(token):
    """The booking a cancel link names; ConsultationBooking.DoesNotExist for a
    forged or unknown one."""
    try:
        booking_id = uuid.UUID(signing.Signer(salt=CANCEL_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        raise ConsultationBooking.DoesNotExist from None
    return ConsultationBooking.objects.select_related("ticket").get(pk=booking_id)


def consultation_cancel(*, booking, now=None):
    """Cancel from the link: frees the slot, writes it in the ticket's
    conversation (staff are told like for any visitor message) and e-mails
    the person. Once: a second cancel raises ConsultationError."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = ConsultationBooking.objects.select_for_update().get(pk=booking.pk)
        if locked.cancelled_at is not None:
            raise ConsultationError(_("Ce rendez-vous est déjà annulé."))
        if locked.slot_start <= now:
            raise ConsultationError(_("Ce rendez-vous est passé : il ne peut plus être annulé."))
        locked.cancelled_at = now
        locked.active = None  # frees the slot for the unique constraint
        locked.save(update_fields=["cancelled_at", "active"])
        if locked.ticket is not None:
            messaging.message_post_from_visitor(
                conversation=locked.ticket.conversation, name=locked.name, email=locked.email,
                content=_("Rendez-vous du %(when)s annulé par la personne qui l'avait réservé.")
                % {"when": slot_label(locked.slot_start)},
            )
        queue_templated_email(template="consultation_cancelled", to=locked.email, context={
            "name": locked.name, "when": slot_label(locked.slot_start),
            "booking_path": reverse("public:consultation"),
        })
    logger.info("consultation cancelled: %s", locked.pk)
    return locked


# --- E-mail ------------------------------------------------------------------------


def booked_email_context(context):
    """The confirmation e-mail's context, built at send time from the stored
    booking id (the cancel link is a credential: never in the outbox)."""
    from core.emails import StaleEmail

    booking = ConsultationBooking.objects.filter(pk=context["booking_id"]).first()
    if booking is None or booking.cancelled_at is not None:
        raise StaleEmail("rendez-vous annulé")
    return {
        **context, "name": booking.name, "when": slot_label(booking.slot_start),
        "minutes": settings.CONSULTATION_SLOT_MINUTES, "topic": booking.topic,
        "cancel_url": consultation_cancel_url(booking),
        "ticket_number": booking.ticket.number if booking.ticket_id else "",
    }


def booked_email_attachments(context):
    booking = ConsultationBooking.objects.filter(pk=context["booking_id"]).first()
    if booking is None:
        return []  # the context builder says why it is not sent
    return [("consultation.ics", consultation_ics(booking).encode(), "text/calendar")]


def _ics_text(value):
    """RFC 5545 TEXT escaping."""
    return str(value).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _ics_fold(line):
    """Lines longer than 75 octets continue on the next one, after a space."""
    data, parts = line.encode(), []
    while len(data) > 75:
        cut = 75 if not parts else 74
        while cut and (data[cut] & 0xC0) == 0x80:  # never split a UTF-8 character
            cut -= 1
        parts.append(data[:cut])
        data = data[cut:]
    parts.append(data)
    return "\r\n ".join(part.decode() for part in parts)


def consultation_ics(booking):
    """The booking as an iCalendar event (times in UTC)."""
    stamp = "%Y%m%dT%H%M%SZ"
    utc = ZoneInfo("UTC")
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//{settings.SITE_NAME}//Consultation//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:consultation-{booking.pk}@{host}",
        f"DTSTAMP:{booking.created_at.astimezone(utc).strftime(stamp)}",
        f"DTSTART:{booking.slot_start.astimezone(utc).strftime(stamp)}",
        f"DTEND:{booking.slot_end.astimezone(utc).strftime(stamp)}",
        "SUMMARY:" + _ics_text(_("Consultation %(site)s") % {"site": settings.SITE_NAME}),
        "DESCRIPTION:" + _ics_text(booking.topic),
        f"ORGANIZER;CN={_ics_text(settings.SITE_NAME)}:mailto:{settings.SUPPORT_EMAIL}",
        "STATUS:CONFIRMED",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_ics_fold(line) for line in lines) + "\r\n"


# --- RGPD ------------------------------------------------------------------------


def export_bookings(user):
    return [
        {"slot_start": b.slot_start.isoformat(), "name": b.name, "email": b.email, "phone": b.phone,
         "topic": b.topic, "cancelled_at": b.cancelled_at.isoformat() if b.cancelled_at else None,
         "created_at": b.created_at.isoformat()}
        for b in ConsultationBooking.objects.filter(user=user).order_by("slot_start")
    ]


def anonymise_bookings(user):
    """The slots stay taken (staff planned them); who booked them goes."""
    ConsultationBooking.objects.filter(user=user).update(name="", email="", phone="", topic="", user=None)


EMAIL_CONTEXTS = {"consultation_booked": booked_email_context}
EMAIL_ATTACHMENTS = {"consultation_booked": booked_email_attachments}
