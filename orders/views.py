from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect
from django_ratelimit.core import is_ratelimited
from django_ratelimit.exceptions import Ratelimited

from accounts.decorators import role_required
from accounts.forms import EmailForm
from accounts.models import User
from core.fragments import markup_key, shareable_markup, with_csrf_token
from core.pagination import keyset_page
from core.public_cache import PUBLIC_CACHE_SECONDS, public_cache_key
from core.registry import user_has_saved_card
from files.services import file_response

from . import selectors, services
from .forms import (
    AssignForm,
    ClientOrderFilterForm,
    CorrectorNoteForm,
    FileSearchForm,
    FileUploadForm,
    NoteForm,
    OrderForm,
    OrderTermsForm,
    QuoteForm,
    RatingForm,
    RevisionForm,
    VerifyPagesForm,
    VisitorAccountForm,
)

ORDERS_PER_PAGE = 10
FILES_PER_PAGE = 20
QUEUE_PER_PAGE = 50
BOARD_PER_PAGE = 25


# --- Public pricing ---------------------------------------------------------

def pricing_page(request):
    services_list = list(selectors.active_services())
    form = QuoteForm(request.GET or QuoteForm.example_data(services_list))
    return render(request, "orders/pricing.html", {"services": services_list, "form": form, **form.quote_context()})


QUOTE_INPUTS = ("service", "declared_pages", "urgent")


@require_GET
def quote_fragment(request):
    """The live calculator: the server computes every price (htmx). A price
    is the same for every visitor: cached (core.public_cache) under the
    inputs as the calculator sends them, and only for a valid quote sent in
    that form, so junk queries add no entries."""
    sent = tuple(request.GET.get(name, "") for name in QUOTE_INPUTS)
    key = public_cache_key("orders.quote", *sent, request=request)
    html = cache.get(key)
    if html is None:
        form = QuoteForm(request.GET or None)
        html = render_to_string("orders/_quote.html", form.quote_context(), request)
        if form.is_bound and form.is_valid() and sent == _quote_inputs_as_sent(form.cleaned_data):
            cache.set(key, html, PUBLIC_CACHE_SECONDS)
    return HttpResponse(html)


def _quote_inputs_as_sent(data):
    pages = data.get("declared_pages")
    return str(data["service"].pk), "" if pages is None else str(pages), "on" if data["urgent"] else ""


# --- The client ---------------------------------------------------------------

@login_required
def client_dashboard(request):
    """"Mon espace": the client's projects. Other roles go to their own home."""
    if not request.user.is_client:
        return redirect("accounts:home")
    filters = ClientOrderFilterForm(request.GET or None)
    status_filter, search = "all", ""
    if filters.is_valid():
        status_filter = filters.cleaned_data["status"] or "all"
        search = filters.cleaned_data["q"].strip()
    orders = selectors.orders_for_client(user=request.user, status_filter=status_filter, search=search)
    paginator = Paginator(orders, ORDERS_PER_PAGE)
    if status_filter == "all" and not search and request.GET.get("page", "1") == "1":
        first_page = selectors.client_orders_first_page(user=request.user, per_page=ORDERS_PER_PAGE)
        counts = first_page["counts"]
        paginator.count = counts["all"]
        page = Page(first_page["orders"], 1, paginator)
    else:
        counts = selectors.status_counts_for_client(user=request.user)
        if not search:
            paginator.count = counts[status_filter]  # the status counts hold it: no second COUNT(*)
        page = paginator.get_page(request.GET.get("page"))
    return render(request, "orders/client_dashboard.html", {
        "page": page, "filters": filters, "status_filter": status_filter, "search": search, "counts": counts,
    })


def order_create(request):
    """Clients order here; visitors too, creating their account on the way
    (the legacy funnel). The form's one-time key makes a double submit one
    order; both submits land on the same page."""
    user = request.user
    if user.is_authenticated and not user.is_client:
        raise PermissionDenied
    # Coming from the calculator: keep what the visitor chose there, and price it at once.
    initial = {key: request.GET.get(key) for key in ("service", "declared_pages", "urgent")}
    form = OrderForm(request.POST or None, request.FILES or None, user=user, initial=initial)
    quote_form = QuoteForm(request.GET) if request.method == "GET" and request.GET.get("service") else form
    account_form = None if user.is_authenticated else VisitorAccountForm(request.POST or None, prefix="account")
    terms_form = OrderTermsForm(request.POST or None)
    if account_form is not None and request.method == "POST" and is_ratelimited(
        request, group="register", key="ip", rate=settings.RATE_LIMITS["register"], increment=True
    ):
        raise Ratelimited  # a visitor order creates an account: same limit as sign-up
    forms_valid = [f.is_valid() for f in (form, account_form, terms_form) if f is not None]  # all, for every error
    if request.method == "POST" and all(forms_valid):
        data = form.cleaned_data
        order_fields = {
            "service": data["service"], "title": data["title"], "description": data["description"],
            "declared_pages": data.get("declared_pages"), "urgent": data["urgent"],
            "wished_deadline": data["wished_deadline"], "client_note": data["client_note"],
            "terms_revision_id": terms_form.accepted.pk,
        }
        try:
            if account_form is None:
                order = services.order_create(
                    client=user, submission=data["submission"], manuscripts=data["manuscripts"], **order_fields
                )
                form.discard_kept()  # the order holds its own copies
                url = reverse("orders:detail", args=[order.pk])
                messages.success(request, _("Votre commande « %(title)s » est enregistrée.") % {"title": order.title})
            else:
                url = _visitor_order_request(request, form, account_form.cleaned_data, order_fields)
        except ValidationError as error:
            form.add_error(None, error)  # may be about the files themselves (quota): not kept
        else:
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    elif request.method == "POST":
        form.keep_uploads()  # an error elsewhere; the file input cannot be refilled: keep what was received
    return render(request, "orders/order_form.html", {
        "form": form, "account_form": account_form, "terms_form": terms_form, **quote_form.quote_context(),
    })


def _visitor_order_request(request, form, account, order_fields):
    """Hand a visitor's order to the service; the answer (the "done" page)
    depends only on what the visitor typed, never on whether the address
    has an account (no enumeration)."""
    data = form.cleaned_data
    kept = form.kept if form.kept_uploads_used else []
    services.order_request_for_visitor(
        submission=data["submission"],
        account={"email": account["email"], "password": account["password1"], "first_name": account["first_name"],
                 "last_name": account["last_name"], "phone": account["phone"]},
        manuscripts=[] if kept else data["manuscripts"], kept=kept, **order_fields,
    )
    if not kept:
        form.discard_kept()  # replaced by new files
    # What the visitor typed, priced: the same whether an order gets created or not.
    request.session["visitor_order"] = {
        "email": account["email"],
        **services.order_form_recap(service=order_fields["service"], title=order_fields["title"],
                                    pages=order_fields["declared_pages"], urgent=order_fields["urgent"]),
    }
    return reverse("orders:visitor_done")


def visitor_order_done(request):
    """The same page for every address: what the visitor typed — the order
    they asked for, priced from their inputs, not from an order — and
    whether that price is 0 €."""
    typed = request.session.get("visitor_order") or {}
    email = typed.get("email")
    return render(request, "orders/visitor_done.html", {
        "email": email, "free": bool(typed.get("free")), "recap": typed if "service" in typed else None,
        "resend_form": EmailForm(initial={"email": email}),
    })


# --- One order, for everyone who may see it -----------------------------------

# The order page's buttons: the "Actions" card shows when one of them is
# allowed, else a sentence saying what happens next (selectors.order_next_step).
ACTION_BUTTONS = (
    "pay", "accept_quote", "start", "deliver", "accept_delivery", "request_revision", "send_quote", "assign",
    "suspend", "resume", "cancel",
)


@login_required
def order_detail(request, pk):
    reads = selectors.order_page_reads(user=request.user, pk=pk)
    order, files = reads["order"], reads["files"]
    can = services.order_permissions(order=order, user=request.user)
    if len(files["manuscripts"]) <= 1 and services.order_keeps_a_manuscript(order):
        can["delete_manuscript"] = False  # the service refuses it: no link to a refusal
    # The rating is the client's and the team's; the corrector reads theirs through staff.
    rating = selectors.order_rating(order=order) if (can["rate"] or request.user.is_admin) else None
    can["rate"] = can["rate"] and rating is None
    context = {
        "order": order,
        "can": can,
        "has_actions": any(can[action] for action in ACTION_BUTTONS),
        "next_step": selectors.order_next_step(order=order, user=request.user),
        # Billing answers through core.registry (orders does not import it); asked only when paying is offered.
        "has_saved_card": can["pay"] and user_has_saved_card(request.user),
        "show_progress": order.progress_percent > 0,
        "rating": rating,
        "rating_form": RatingForm(),
        "events": reads["events"],
        "upload_form": FileUploadForm(user=request.user),
        "revision_form": RevisionForm(),
        "corrector_note_form": CorrectorNoteForm(initial={"corrector_note": order.corrector_note}),
        "assign_form": AssignForm(initial={"corrector": order.corrector_id}),
        "verify_form": VerifyPagesForm(initial={"verified_pages": order.declared_pages}),
        **files,
    }
    return render(request, "orders/order_detail.html", context)


@login_required
def order_file_download(request, pk, file_pk):
    _order, stored_file = selectors.order_file_for_user(user=request.user, order_pk=pk, file_pk=file_pk)
    return file_response(stored_file=stored_file)


def order_action_view(form=None, *, form_needs_user=False):
    """Make `view(request, order, data) -> success message` a POST-only order
    button: login, the access helper (404 to outsiders), the form, then the
    service the view calls; a refused action is an error message. Either way
    the browser goes back to the order page."""

    def decorate(view):
        @login_required
        @require_POST
        @wraps(view)
        def wrapper(request, pk):
            order = selectors.order_for_user(user=request.user, pk=pk)
            data = {}
            if form is not None:
                bound = form(request.POST, request.FILES, **({"user": request.user} if form_needs_user else {}))
                if not bound.is_valid():
                    for errors in bound.errors.values():
                        for error in errors:
                            messages.error(request, error)
                    return _back_to(request, order)
                data = bound.cleaned_data
            try:
                success = view(request, order, data)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, success)
            return _back_to(request, order)

        return wrapper

    return decorate


def _back_to(request, order):
    url = reverse("orders:detail", args=[order.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@order_action_view(form=NoteForm)
def order_cancel(request, order, data):
    services.order_cancel(order=order, by=request.user, note=data["note"], request=request)
    return _("La commande est annulée.")


@order_action_view()
def order_accept_quote(request, order, data):
    order = services.order_accept_quote(order=order, by=request.user, request=request)
    if order.is_free:
        return _("Devis accepté : votre commande est offerte, elle part directement en correction.")
    return _("Devis accepté : vous pouvez maintenant régler la commande.")


@order_action_view()
def order_decline_quote(request, order, data):
    services.order_decline_quote(order=order, by=request.user, request=request)
    return _("Devis refusé : la commande est annulée.")


@order_action_view()
def order_accept_delivery(request, order, data):
    services.order_accept_delivery(order=order, by=request.user, request=request)
    return _("Merci ! La commande est terminée.")


@order_action_view(form=RevisionForm)
def order_request_revision(request, order, data):
    services.order_request_revision(order=order, by=request.user, comment=data["comment"], request=request)
    return _("Votre demande de révision a été transmise au correcteur.")


@order_action_view()
def order_start(request, order, data):
    services.order_start(order=order, by=request.user, request=request)
    return _("Correction commencée.")


@order_action_view(form=NoteForm)
def order_deliver(request, order, data):
    services.order_deliver(order=order, by=request.user, note=data["note"], request=request)
    return _("Livraison envoyée au client.")


@order_action_view(form=FileUploadForm, form_needs_user=True)
def order_upload_manuscript(request, order, data):
    for upload in data["files"]:
        services.order_add_manuscript(order=order, uploaded_file=upload, by=request.user)
    return _("Fichier ajouté.")


@order_action_view(form=FileUploadForm, form_needs_user=True)
def order_upload_deliverable(request, order, data):
    for upload in data["files"]:
        services.order_add_deliverable(order=order, uploaded_file=upload, by=request.user)
    return _("Fichier corrigé déposé.")


@order_action_view(form=CorrectorNoteForm)
def order_corrector_note(request, order, data):
    services.order_set_corrector_note(order=order, by=request.user, note=data["corrector_note"])
    return _("Note enregistrée.")


@order_action_view(form=AssignForm)
def order_assign(request, order, data):
    services.order_assign_corrector(order=order, corrector=data["corrector"], by=request.user, request=request)
    return _("Correcteur affecté.")


@order_action_view(form=VerifyPagesForm)
def order_send_quote(request, order, data):
    services.order_send_quote(order=order, verified_pages=data["verified_pages"], by=request.user, request=request)
    return _("Devis envoyé au client.")


@order_action_view(form=NoteForm)
def order_suspend(request, order, data):
    services.order_suspend(order=order, by=request.user, note=data["note"], request=request)
    return _("Commande suspendue.")


@order_action_view()
def order_resume(request, order, data):
    services.order_resume(order=order, by=request.user, request=request)
    return _("Commande reprise.")


@order_action_view(form=RatingForm)
def order_rate(request, order, data):
    services.order_rate(order=order, by=request.user, score=data["score"], comment=data["comment"])
    return _("Merci pour votre évaluation !")


# The slug in /orders/<pk>/<slug>/ -> its view (the buttons post there).
ACTION_VIEWS = {
    "cancel": order_cancel,
    "accept-quote": order_accept_quote,
    "decline-quote": order_decline_quote,
    "accept-delivery": order_accept_delivery,
    "revision": order_request_revision,
    "start": order_start,
    "deliver": order_deliver,
    "upload-manuscript": order_upload_manuscript,
    "upload-deliverable": order_upload_deliverable,
    "corrector-note": order_corrector_note,
    "assign": order_assign,
    "send-quote": order_send_quote,
    "suspend": order_suspend,
    "resume": order_resume,
    "rate": order_rate,
}


def order_action(request, pk, action):
    """Route an order button's slug to its own view."""
    view = ACTION_VIEWS.get(action)
    if view is None:
        raise Http404
    return view(request, pk)


@login_required
@require_http_methods(["GET", "POST"])
def order_file_delete(request, pk, file_pk):
    """GET asks to confirm (the page names the file); POST deletes it."""
    try:
        order, stored_file = selectors.order_file_for_user(user=request.user, order_pk=pk, file_pk=file_pk)
    except Http404:
        order = selectors.order_for_user(user=request.user, pk=pk)  # 404 for anyone who may not see it
        if not order.files.filter(pk=file_pk, deleted_at__isnull=False).exists():
            raise
        # A second click (or tab) after the removal: same result, no error page.
        messages.info(request, _("Ce fichier est déjà supprimé."))
        return redirect("orders:detail", pk=order.pk)
    if request.method == "GET":
        return render(request, "orders/file_delete_confirm.html", {"order": order, "file": stored_file})
    try:
        services.order_delete_file(order=order, stored_file=stored_file, by=request.user, request=request)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("Fichier supprimé."))
    return redirect("orders:detail", pk=order.pk)


@role_required(User.Role.USER)
def client_files(request):
    """"Mes fichiers": every file of the client across orders and
    conversations, each downloaded through its own access-checked view."""
    search_form = FileSearchForm(request.GET or None)
    search = search_form.cleaned_data["q"].strip() if search_form.is_valid() else ""
    files = selectors.client_files(user=request.user, search=search)
    page = Paginator(files, FILES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "orders/client_files.html", {"page": page, "search_form": search_form, "search": search})


# --- Correctors and staff -------------------------------------------------------

@role_required(User.Role.CORRECTOR)
def corrector_queue(request):
    """"Mes corrections": the corrector's home, by pages (keyset: a corrector
    may hold hundreds of orders)."""
    def queue_page():
        return keyset_page(selectors.corrector_queue(user=request.user), ordering=selectors.CORRECTOR_QUEUE_ORDER,
                           query=request.GET, per_page=QUEUE_PER_PAGE)

    if request.GET:
        return render(request, "orders/corrector_queue.html", {"orders": queue_page()})
    # As usually opened (no cursor): the list's markup, kept under the order lists' version.
    markup = selectors.order_lists_cached(
        "corrector-queue", f"{request.user.pk}:{markup_key()}",
        lambda: shareable_markup("orders/_corrector_queue_list.html", {"orders": queue_page()}, request))
    return render(request, "orders/corrector_queue.html", {"list_markup": with_csrf_token(markup, request)})


@role_required(User.Role.ADMIN)
def staff_board(request):
    """Assignment, verification and overdue work at a glance. Each list has
    its own keyset pages (its own cursor in the URL): the backlog may hold
    thousands of orders."""

    def board_page(queryset, ordering, param, partitions=()):
        return keyset_page(queryset, ordering=ordering, query=request.GET, per_page=BOARD_PER_PAGE,
                           param=param, anchor=f"#{param}", partitions=partitions)

    def board():
        return {
            "to_assign": board_page(selectors.orders_awaiting_assignment(), selectors.AWAITING_ASSIGNMENT_ORDER,
                                    "a-affecter"),
            "to_verify": board_page(selectors.orders_awaiting_verification(), selectors.AWAITING_VERIFICATION_ORDER,
                                    "a-verifier"),
            "overdue": board_page(selectors.overdue_orders(), selectors.OVERDUE_ORDER, "en-retard",
                                  selectors.OVERDUE_PARTITIONS),
            # One list, drawn once: the load table and every assignment <select> (static/js/app.js copies it).
            "correctors": list(selectors.corrector_loads()),
        }

    if request.GET:
        return render(request, "orders/staff_board.html", board())
    # As usually opened (no cursor): the lists' markup, the same for every staff
    # member, kept under the order lists' version.
    markup = selectors.order_lists_cached(
        "staff-board", markup_key(), lambda: shareable_markup("orders/_staff_board_lists.html", board(), request))
    return render(request, "orders/staff_board.html", {"lists_markup": with_csrf_token(markup, request)})
