from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect
from django_ratelimit.core import is_ratelimited
from django_ratelimit.exceptions import Ratelimited

from accounts.decorators import role_required
from accounts.models import User
from files.services import file_response

from . import selectors, services
from .forms import (
    AssignForm,
    ClientOrderFilterForm,
    CorrectorNoteForm,
    FileUploadForm,
    NoteForm,
    OrderForm,
    QuoteForm,
    RevisionForm,
    VerifyPagesForm,
    VisitorAccountForm,
)
from .models import Service

ORDERS_PER_PAGE = 10


# --- Public pricing ---------------------------------------------------------

EXAMPLE_PAGES = 250  # the legacy example: 250 pages at 2 € = 480 €


def pricing_page(request):
    services_list = list(Service.objects.filter(is_active=True).order_by("display_order", "name"))
    data = request.GET or (
        {"service": services_list[0].pk, "declared_pages": EXAMPLE_PAGES} if services_list else None
    )
    form = QuoteForm(data)
    return render(request, "orders/pricing.html", {"services": services_list, "form": form, **_quote_context(form)})


@require_GET
def quote_fragment(request):
    """The live calculator: the server computes every price (htmx)."""
    return render(request, "orders/_quote.html", _quote_context(QuoteForm(request.GET or None)))


def _quote_context(form):
    if not form.is_bound:
        return {"quote": None}
    if not form.is_valid():
        return {"quote": None, "quote_errors": [e for errors in form.errors.values() for e in errors]}
    return {"quote": form.quote(), "quote_service": form.cleaned_data["service"],
            "quote_pages": form.cleaned_data.get("declared_pages")}


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
    page = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "orders/client_dashboard.html", {
        "page": page, "filters": filters, "status_filter": status_filter, "search": search,
        "counts": selectors.status_counts_for_client(user=request.user)
    })


def order_create(request):
    """Clients order here; visitors too, creating their account on the way
    (the legacy funnel)."""
    user = request.user
    if user.is_authenticated and not user.is_client:
        raise PermissionDenied
    # Coming from the calculator: keep what the visitor chose there.
    initial = {key: request.GET.get(key) for key in ("service", "declared_pages", "urgent")}
    form = OrderForm(request.POST or None, request.FILES or None, user=user, initial=initial)
    account_form = None if user.is_authenticated else VisitorAccountForm(request.POST or None, prefix="account")
    if account_form is not None and request.method == "POST" and is_ratelimited(
        request, group="register", key="ip", rate=settings.RATE_LIMITS["register"], increment=True
    ):
        raise Ratelimited  # a visitor order creates an account: same limit as sign-up
    if request.method == "POST" and form.is_valid() and (account_form is None or account_form.is_valid()):
        data = form.cleaned_data
        order_fields = {
            "service": data["service"], "title": data["title"], "description": data["description"],
            "declared_pages": data.get("declared_pages"), "urgent": data["urgent"],
            "wished_deadline": data["wished_deadline"], "client_note": data["client_note"],
            "manuscripts": data["manuscripts"],
        }
        try:
            if account_form is None:
                order = services.order_create(client=user, **order_fields)
                url = reverse("orders:detail", args=[order.pk])
                messages.success(request, _("Votre commande « %(title)s » est enregistrée.") % {"title": order.title})
            else:
                account = account_form.cleaned_data
                order = services.order_create_for_visitor(
                    account={"email": account["email"], "password": account["password1"],
                             "first_name": account["first_name"], "last_name": account["last_name"],
                             "phone": account["phone"]},
                    **order_fields,
                )
                request.session["registered_email"] = account["email"]
                if order is not None:  # None: the address has an account, its owner was e-mailed
                    # Lets this browser pay the order before the account is activated.
                    request.session["visitor_order_ids"] = [*request.session.get("visitor_order_ids", []), str(order.pk)]
                url = reverse("orders:visitor_done")
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form.discard_kept()
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if request.method == "POST":
        form.keep_uploads()  # the file input cannot be refilled: keep what was received
    return render(request, "orders/order_form.html", {
        "form": form, "account_form": account_form, **_quote_context_from_form(form),
    })


def visitor_order_done(request):
    order_ids = request.session.get("visitor_order_ids", [])
    return render(request, "orders/visitor_done.html", {
        "email": request.session.get("registered_email"), "order_id": order_ids[-1] if order_ids else None,
    })


def _quote_context_from_form(form):
    if form.is_bound and all(name not in form.errors for name in ("service", "declared_pages", "urgent")):
        try:
            return {"quote": form.quote(), "quote_service": form.cleaned_data["service"]}
        except (KeyError, ValueError):
            pass
    return {"quote": None}


# --- One order, for everyone who may see it -----------------------------------

@login_required
def order_detail(request, pk):
    order = selectors.order_for_user(user=request.user, pk=pk)
    context = {
        "order": order,
        "can": services.order_permissions(order=order, user=request.user),
        "events": selectors.order_timeline(order=order),
        "upload_form": FileUploadForm(user=request.user),
        "revision_form": RevisionForm(),
        "corrector_note_form": CorrectorNoteForm(initial={"corrector_note": order.corrector_note}),
        "assign_form": AssignForm(initial={"corrector": order.corrector_id}),
        "verify_form": VerifyPagesForm(initial={"verified_pages": order.declared_pages}),
        **selectors.order_files(order=order),
    }
    return render(request, "orders/order_detail.html", context)


@login_required
def order_file_download(request, pk, file_pk):
    _order, stored_file = selectors.order_file_for_user(user=request.user, order_pk=pk, file_pk=file_pk)
    return file_response(stored_file=stored_file)


@dataclass(frozen=True)
class Action:
    form: Callable | None  # form(request) -> bound form
    run: Callable  # run(order, by, data) -> None
    success: str


def _upload(service):
    def run(order, by, data):
        for upload in data["files"]:
            service(order=order, uploaded_file=upload, by=by)
    return run


ACTIONS = {
    "cancel": Action(lambda r: NoteForm(r.POST), lambda o, by, d: services.order_cancel(order=o, by=by, note=d["note"]),
                     _("La commande est annulée.")),
    "accept-quote": Action(None, lambda o, by, d: services.order_accept_quote(order=o, by=by),
                           _("Devis accepté : vous pouvez maintenant régler la commande.")),
    "decline-quote": Action(None, lambda o, by, d: services.order_decline_quote(order=o, by=by),
                            _("Devis refusé : la commande est annulée.")),
    "accept-delivery": Action(None, lambda o, by, d: services.order_accept_delivery(order=o, by=by),
                              _("Merci ! La commande est terminée.")),
    "revision": Action(lambda r: RevisionForm(r.POST),
                       lambda o, by, d: services.order_request_revision(order=o, by=by, comment=d["comment"]),
                       _("Votre demande de révision a été transmise au correcteur.")),
    "start": Action(None, lambda o, by, d: services.order_start(order=o, by=by), _("Correction commencée.")),
    "deliver": Action(lambda r: NoteForm(r.POST), lambda o, by, d: services.order_deliver(order=o, by=by, note=d["note"]),
                      _("Livraison envoyée au client.")),
    "upload-manuscript": Action(lambda r: FileUploadForm(r.POST, r.FILES, user=r.user),
                                _upload(services.order_add_manuscript), _("Fichier ajouté.")),
    "upload-deliverable": Action(lambda r: FileUploadForm(r.POST, r.FILES, user=r.user),
                                 _upload(services.order_add_deliverable), _("Fichier corrigé déposé.")),
    "corrector-note": Action(lambda r: CorrectorNoteForm(r.POST),
                             lambda o, by, d: services.order_set_corrector_note(order=o, by=by, note=d["corrector_note"]),
                             _("Note enregistrée.")),
    "assign": Action(lambda r: AssignForm(r.POST),
                     lambda o, by, d: services.order_assign_corrector(order=o, corrector=d["corrector"], by=by),
                     _("Correcteur affecté.")),
    "send-quote": Action(lambda r: VerifyPagesForm(r.POST),
                         lambda o, by, d: services.order_send_quote(order=o, verified_pages=d["verified_pages"], by=by),
                         _("Devis envoyé au client.")),
    "suspend": Action(lambda r: NoteForm(r.POST), lambda o, by, d: services.order_suspend(order=o, by=by, note=d["note"]),
                      _("Commande suspendue.")),
    "resume": Action(None, lambda o, by, d: services.order_resume(order=o, by=by), _("Commande reprise.")),
}


@login_required
@require_POST
def order_action(request, pk, action):
    """Every button of the order page: check access, validate, call the service."""
    order = selectors.order_for_user(user=request.user, pk=pk)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    data = {}
    if spec.form:
        form = spec.form(request)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("orders:detail", pk=order.pk)
        data = form.cleaned_data
    try:
        spec.run(order, request.user, data)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, spec.success)
    url = reverse("orders:detail", args=[order.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@login_required
@require_POST
def order_file_delete(request, pk, file_pk):
    order, stored_file = selectors.order_file_for_user(user=request.user, order_pk=pk, file_pk=file_pk)
    try:
        services.order_delete_file(order=order, stored_file=stored_file, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("Fichier supprimé."))
    return redirect("orders:detail", pk=order.pk)


# --- Correctors and staff -------------------------------------------------------

@role_required(User.Role.CORRECTOR)
def corrector_queue(request):
    """"Mes corrections": the corrector's home."""
    return render(request, "orders/corrector_queue.html", {
        "orders": selectors.corrector_queue(user=request.user)
    })


@role_required(User.Role.ADMIN)
def staff_board(request):
    """Assignment, verification and overdue work at a glance."""
    return render(request, "orders/staff_board.html", {
        "to_assign": selectors.orders_awaiting_assignment(),
        "to_verify": selectors.orders_awaiting_verification(),
        "overdue": selectors.overdue_orders(),
        "correctors": selectors.corrector_loads(),
    })
