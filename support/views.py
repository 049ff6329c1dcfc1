"""The support desk's pages: the client's help centre and tickets, the
staff queue and ticket page, and a visitor's reply form (signed link)."""

import hashlib

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from accounts.decorators import role_required
from accounts.models import User
from core.fragments import markup_key, shareable_markup, with_csrf_token
from messaging.selectors import conversation_messages
from messaging.services import conversation_mark_read
from orders.forms import RatingForm  # the same 1–5 rating form as an order's

from . import selectors, services
from .forms import (
    AssignForm,
    CategoryForm,
    PriorityForm,
    ReplyForm,
    StatusForm,
    TicketForm,
    VisitorReplyForm,
)
from .models import Ticket
from .sla import sla_state

TICKETS_PER_PAGE = 20
QUEUE_PER_PAGE = 25
client_only = role_required(User.Role.USER)
staff_only = role_required(User.Role.ADMIN)


def _first_error(error):
    return error.messages[0] if getattr(error, "messages", None) else str(error)


# --- Client ----------------------------------------------------------------------

def _ticket_url(ticket):
    return reverse("support:ticket_detail", args=[ticket.number])


def _client_ticket(request, number):
    """The request's user's own ticket; 404 for anyone else's."""
    try:
        return selectors.ticket_for_client(user=request.user, number=number)
    except Ticket.DoesNotExist:
        raise Http404 from None


@client_only
def help_centre(request):
    """« Aide & support »: FAQ search, the client's latest tickets, a new
    ticket, a consultation."""
    return render(request, "support/help.html", {
        "tickets": list(selectors.tickets_of_client(user=request.user)[:5]),
        "query": request.GET.get("q", "")[:200],
    })


@client_only
def ticket_list(request):
    page = Paginator(selectors.tickets_of_client(user=request.user), TICKETS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "support/ticket_list.html", {"page": page})


@client_only
def ticket_new(request):
    form = TicketForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.ticket_open(
                requester=request.user, title=data["title"], description=data["description"],
                category=data["category"], order=data["order"], attachments=data["attachments"],
                submission_key=form.submission_key(),
            )
        except ValidationError as error:
            form.add_error(None, _first_error(error))
        else:
            messages.success(request, _("Votre demande n° %(number)s est enregistrée : nous vous répondons ici.")
                             % {"number": ticket.number})
            return redirect("support:ticket_detail", number=ticket.number)
    return render(request, "support/ticket_new.html", {"form": form})


def _thread(request, ticket):
    thread, has_older = conversation_messages(conversation=ticket.conversation)
    return {"thread": thread, "has_older": has_older}


@client_only
def ticket_detail(request, number):
    ticket = _client_ticket(request, number)
    conversation_mark_read(conversation=ticket.conversation, user=request.user)
    can = {action: services.ticket_may(ticket=ticket, user=request.user, action=action)
           for action in ("client_reply", "confirm_resolved", "rate")}
    return render(request, "support/ticket_detail.html", {
        "ticket": ticket, **_thread(request, ticket), "can": can,
        "closed": ticket.status in Ticket.FINAL_STATUSES, "auto_close_days": settings.SUPPORT_AUTO_CLOSE_DAYS,
        "reply_form": ReplyForm(user=request.user) if can["client_reply"] else None,
        "rating_form": RatingForm() if can["rate"] and ticket.satisfaction_at is None else None,
    })


def _act(request, back, act, success, form=None):
    """A ticket button: check the form (if any), run ``act(cleaned_data)``
    (a service), say how it went, go ``back`` to the ticket."""
    if form is not None and not form.is_valid():
        messages.error(request, _first_error(next(iter(form.errors.values()))))
        return redirect(back)
    try:
        act(form.cleaned_data if form is not None else {})
    except ValidationError as error:
        messages.error(request, _first_error(error))
    else:
        messages.success(request, success)
    return redirect(back)


@require_POST
@client_only
def ticket_reply_client(request, number):
    ticket = _client_ticket(request, number)
    return _act(request, _ticket_url(ticket), lambda data: services.ticket_reply_by_client(
        ticket=ticket, by=request.user, content=data["content"], attachments=data["attachments"],
        client_token=data["client_token"]), _("Message envoyé."), ReplyForm(request.POST, request.FILES, user=request.user))


@require_POST
@client_only
def ticket_confirm(request, number):
    ticket = _client_ticket(request, number)
    return _act(request, _ticket_url(ticket), lambda data: services.ticket_confirm_resolved(
        ticket=ticket, by=request.user), _("Merci ! Votre demande est fermée."))


@require_POST
@client_only
def ticket_rate(request, number):
    ticket = _client_ticket(request, number)
    return _act(request, _ticket_url(ticket), lambda data: services.ticket_rate(
        ticket=ticket, by=request.user, score=data["score"], comment=data["comment"]),
        _("Merci pour votre avis."), RatingForm(request.POST))


# --- Staff -----------------------------------------------------------------------

QUEUE_TAB_LABELS = {
    "unassigned": gettext_lazy("Non assignés"), "mine": gettext_lazy("Mes tickets"),
    "waiting": gettext_lazy("En attente du client"), "breached": gettext_lazy("Échéance dépassée"),
    "open": gettext_lazy("Tous les ouverts"),
}


@staff_only
def queue(request):
    """The support queue: tabs, sorted by the deadline the team faces."""
    tab = request.GET.get("tab") if request.GET.get("tab") in selectors.QUEUE_TABS else "unassigned"
    now = timezone.now()
    figures = selectors.desk_figures(user=request.user, now=now)
    tabs = [(key, QUEUE_TAB_LABELS[key], figures["counts"][key]) for key in selectors.QUEUE_TABS]
    if tab != "breached" and request.GET.get("page", "1") == "1":
        # The tab as usually opened: its list drawn once a minute (the rows'
        # time left) until a ticket or a user is written. "breached" is not:
        # the clock alone moves tickets in.
        query = hashlib.blake2b(request.GET.urlencode().encode(), digest_size=8).hexdigest()
        markup = selectors.desk_cached(
            f"queue:{tab}:{query}:{now:%Y%m%d%H%M}:{markup_key()}", user=request.user,
            compute=lambda: _draw_queue_list(request, tab, figures, now))
    else:
        markup = _draw_queue_list(request, tab, figures, now)
    return render(request, "support/queue.html", {
        "tab": tab, "tabs": tabs, "kpis": figures["kpis"], "list_markup": with_csrf_token(markup, request),
    })


def _draw_queue_list(request, tab, figures, now):
    """The tab's page of tickets and its pagination (CSRF placeholders: see
    core.fragments.shareable_markup)."""
    paginator = Paginator(selectors.staff_queue(tab=tab, user=request.user, now=now), QUEUE_PER_PAGE)
    if tab != "breached":
        # The tabs' counts (one read, cached until a ticket is written) are
        # the pages' count too: the tab's tickets are not counted again.
        paginator.count = figures["counts"][tab]
    page = paginator.get_page(request.GET.get("page"))
    for ticket in page:
        ticket.sla = sla_state(ticket, now=now)
    return shareable_markup("support/_queue_list.html", {"page": page}, request)


def _staff_ticket(number):
    try:
        return selectors.ticket_for_staff(number=number)
    except Ticket.DoesNotExist:
        raise Http404 from None


@staff_only
def staff_ticket(request, number):
    """A ticket as the team works on it."""
    ticket = _staff_ticket(number)
    conversation_mark_read(conversation=ticket.conversation, user=request.user)
    user = request.user
    can = {action: services.ticket_may(ticket=ticket, user=user, action=action)
           for action in ("take", "assign", "set_priority", "set_category", "reply")}
    status_form = StatusForm(ticket=ticket, user=user)
    canned_replies = selectors.canned_replies()
    # A canned reply, one click away: the link reloads the page with its text in the form.
    canned = next((c for c in canned_replies if str(c.pk) == request.GET.get("canned")), None)
    return render(request, "support/staff_ticket.html", {
        "ticket": ticket, **_thread(request, ticket), "can": can, "sla": sla_state(ticket, now=timezone.now()),
        "reply_form": ReplyForm(user=user, staff=True, initial={"content": canned.body} if canned else None)
        if can["reply"] else None,
        "assign_form": AssignForm(initial={"assignee": ticket.assigned_to_id}),
        "priority_form": PriorityForm(initial={"priority": ticket.priority}),
        "category_form": CategoryForm(initial={"category": ticket.category}),
        "status_form": status_form if status_form.fields["status"].choices else None,
        "canned_replies": canned_replies, "history": selectors.ticket_history(ticket=ticket),
    })


def _staff_url(ticket):
    return reverse("support:staff_ticket", args=[ticket.number])


@require_POST
@staff_only
def staff_take(request, number):
    ticket = _staff_ticket(number)
    return _act(request, _staff_url(ticket), lambda data: services.ticket_take(ticket=ticket, by=request.user),
                _("Vous suivez ce ticket."))


@require_POST
@staff_only
def staff_assign(request, number):
    ticket = _staff_ticket(number)
    return _act(request, _staff_url(ticket), lambda data: services.ticket_assign(
        ticket=ticket, to=data["assignee"], by=request.user), _("Affectation enregistrée."), AssignForm(request.POST))


@require_POST
@staff_only
def staff_priority(request, number):
    ticket = _staff_ticket(number)
    return _act(request, _staff_url(ticket), lambda data: services.ticket_set_priority(
        ticket=ticket, priority=data["priority"], by=request.user),
        _("Priorité enregistrée : les échéances sont recalculées."), PriorityForm(request.POST))


@require_POST
@staff_only
def staff_category(request, number):
    ticket = _staff_ticket(number)
    return _act(request, _staff_url(ticket), lambda data: services.ticket_set_category(
        ticket=ticket, category=data["category"], by=request.user), _("Catégorie enregistrée."),
        CategoryForm(request.POST))


@require_POST
@staff_only
def staff_status(request, number):
    ticket = _staff_ticket(number)
    return _act(request, _staff_url(ticket), lambda data: services.ticket_set_status(
        ticket=ticket, status=data["status"], by=request.user, note=data["note"]), _("Statut enregistré."),
        StatusForm(request.POST, ticket=ticket, user=request.user))


@require_POST
@staff_only
def staff_reply(request, number):
    ticket = _staff_ticket(number)
    return _act(request, _staff_url(ticket), lambda data: services.ticket_reply(
        ticket=ticket, by=request.user, content=data["content"], attachments=data["attachments"],
        set_waiting=data["set_waiting"], client_token=data["client_token"]), _("Réponse envoyée."),
        ReplyForm(request.POST, request.FILES, user=request.user, staff=True))


# --- A visitor's reply link ------------------------------------------------------------

def _visitor_rate(group, request):
    return settings.SUPPORT_VISITOR_REPLY_RATE


@ratelimit(key="ip", rate=_visitor_rate, method="POST", block=True)
def visitor_reply(request, token):
    """A visitor's answer to a staff reply, from the e-mailed link: the
    thread and a form. Forged, tampered or expired links are 404; a used
    one shows the thread and says so."""
    try:
        ticket, staff_message = services.visitor_reply_target(token=token)
    except (signing.BadSignature, Ticket.DoesNotExist, KeyError, TypeError, ValueError):
        raise Http404 from None
    form = VisitorReplyForm(request.POST or None, request.FILES or None)
    used = services.reply_link_used(message=staff_message)
    if request.method == "POST" and not used and form.is_valid():
        try:
            services.ticket_reply_by_visitor(ticket=ticket, staff_message=staff_message,
                                             content=form.cleaned_data["content"],
                                             attachments=form.cleaned_data["attachments"])
        except ValidationError as error:
            form.add_error(None, _first_error(error))
        else:
            messages.success(request, _("Merci, votre réponse est transmise à notre équipe."))
            return redirect("support:visitor_reply", token=token)
    status = 409 if request.method == "POST" and used else 200
    return render(request, "support/visitor_reply.html", {
        "ticket": ticket, **_thread(request, ticket), "form": form, "used": used,
        "closed": ticket.status in Ticket.FINAL_STATUSES,
    }, status=status)
