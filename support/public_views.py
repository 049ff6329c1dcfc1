"""Public request pages: contact, free sample, consultation booking and its
cancel link, the thank-you pages, and the team's list of bookings.

Every form POST is rate-limited per IP. A filled honeypot gets the same
thank-you page as a person, and nothing is stored."""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django_ratelimit.decorators import ratelimit

from accounts.decorators import role_required
from accounts.models import User
from core.client_ip import client_ip

from . import consultation
from .models import ConsultationBooking
from .public_forms import ConsultationForm, ContactForm, FreeSampleForm
from .public_services import (
    CONTACT_PRIORITY,
    FREE_SAMPLE_PRIORITY,
    contact_request_submit,
    free_sample_request_submit,
    response_delay,
)
from .services import TicketError

logger = logging.getLogger(__name__)

# The thank-you page of each form (the slug is in the URL).
DONE_PAGES = {"contact", "echantillon", "consultation"}


def _public_form_rate(group, request):
    """Read at request time, so tests and deployments change it through settings.RATE_LIMITS."""
    return settings.RATE_LIMITS["public_form"]


def _post(request, form, *, kind, submit, errors=(TicketError,)):
    """A public form's POST: a robot that filled the honeypot gets the
    thank-you page and nothing is stored; a valid form goes to ``submit``
    (False: it put its own error on the form). None: show the form again."""
    if form.is_spam:
        logger.warning("public %s form: honeypot filled, nothing stored (ip %s)", kind, client_ip(request))
        return redirect("public:done", kind=kind)
    if not form.is_valid():
        return None
    try:
        done = submit(form.cleaned_data)
    except errors as error:
        form.add_error(None, str(error))
        return None
    return redirect("public:done", kind=kind) if done is not False else None


@ratelimit(key="ip", rate=_public_form_rate, method="POST", block=True)
def contact(request):
    form = ContactForm(request.POST or None, user=request.user)
    if request.method == "POST":
        answer = _post(request, form, kind="contact", submit=lambda data: contact_request_submit(
            name=data["name"], email=data["email"], phone=data["phone"], subject=data["subject"],
            message=data["message"], user=request.user, submission_key=data["submission"],
        ))
        if answer:
            return answer
    return render(request, "support/public/contact.html", {"form": form, "delay": response_delay(CONTACT_PRIORITY)})


@ratelimit(key="ip", rate=_public_form_rate, method="POST", block=True)
def free_sample(request):
    form = FreeSampleForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST":
        answer = _post(request, form, kind="echantillon", submit=lambda data: free_sample_request_submit(
            name=data["name"], email=data["email"], phone=data["phone"], service=data["service"],
            message=data["message"], sample=data["sample"], user=request.user, submission_key=data["submission"],
        ))
        if answer:
            return answer
    return render(request, "support/public/free_sample.html", {
        "form": form, "delay": response_delay(FREE_SAMPLE_PRIORITY), "max_pages": settings.FREE_SAMPLE_MAX_PAGES,
    })


@ratelimit(key="ip", rate=_public_form_rate, method="POST", block=True)
def consultation_book(request):
    form = ConsultationForm(request.POST or None, user=request.user, calendar=consultation.consultation_calendar())

    def book(data):
        try:
            booking = consultation.consultation_book(
                slot_start=data["slot"], name=data["name"], email=data["email"], phone=data["phone"],
                topic=data["topic"], user=request.user, submission_key=data["submission"],
            )
        except consultation.SlotTaken as error:
            form.add_error("slot", str(error))
            form.calendar = consultation.consultation_calendar()  # what is free now
            return False
        # Shown once on the thank-you page (the session is this browser's).
        request.session["consultation_booked"] = consultation.slot_label(booking.slot_start)
        return True

    if request.method == "POST":
        answer = _post(request, form, kind="consultation", submit=book,
                       errors=(consultation.ConsultationError, TicketError))
        if answer:
            return answer
    return render(request, "support/public/consultation.html", {
        "form": form, "minutes": settings.CONSULTATION_SLOT_MINUTES, "days": settings.CONSULTATION_DAYS_AHEAD,
    })


def done(request, kind):
    if kind not in DONE_PAGES:
        raise Http404
    return render(request, "support/public/done.html", {
        "kind": kind,
        "booked": request.session.pop("consultation_booked", "") if kind == "consultation" else "",
        "delay": response_delay(FREE_SAMPLE_PRIORITY if kind == "echantillon" else CONTACT_PRIORITY),
    })


@ratelimit(key="ip", rate=_public_form_rate, method="POST", block=True)
def consultation_cancel(request, token):
    """The link of the confirmation e-mail: GET asks, POST cancels. The
    signed token is the credential; a forged one is a 404."""
    try:
        booking = consultation.consultation_booking_for_token(token)
    except ConsultationBooking.DoesNotExist:
        raise Http404 from None
    if request.method == "POST" and booking.cancelled_at is None:
        try:
            consultation.consultation_cancel(booking=booking)
        except consultation.ConsultationError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Votre rendez-vous est annulé. Un e-mail vous le confirme."))
        return redirect("public:consultation_cancel", token=token)
    return render(request, "support/public/consultation_cancel.html", {
        "booking": booking, "when": consultation.slot_label(booking.slot_start),
        "past": booking.slot_start <= timezone.now(),
    })


@role_required(User.Role.ADMIN)
def consultation_bookings(request):
    """The team's list of upcoming bookings, by day (a fixed number of queries)."""
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=settings.CONSULTATION_DAYS_AHEAD + 1)
    bookings = (ConsultationBooking.objects.filter(active=True, slot_start__gte=start, slot_start__lt=end)
                .select_related("ticket", "user").order_by("slot_start"))
    days = {}
    for booking in bookings:
        days.setdefault(timezone.localtime(booking.slot_start).date(), []).append(booking)
    return render(request, "support/public/consultation_bookings.html", {
        "days": sorted(days.items()), "days_ahead": settings.CONSULTATION_DAYS_AHEAD,
    })
