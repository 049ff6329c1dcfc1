from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Page, Paginator
from django.http import HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import parse_etags
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.preferences import EMAIL_KINDS
from core import user_cache

from . import selectors, services
from .models import Notification

PER_PAGE = 20
KIND_LABELS = {key: label for key, label, _default in EMAIL_KINDS}


@never_cache
@user_cache.read_ahead(selectors.BELL_CACHE)
@login_required
def bell(request):
    """The header fragment, polled by htmx. The poll sends back the ETag of
    its last answer: unchanged since, a 304 without reading the database
    (beyond the session's user); else the bell, from the cache if it can."""
    version = selectors.bell_version(user=request.user)
    etag = f'"{version}"'
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        return HttpResponseNotModified(headers={"ETag": etag})
    response = render(request, "notifications/_bell.html", selectors.bell_for(user=request.user, version=version))
    response["ETag"] = etag
    return response


@login_required
def notification_list(request):
    only_unread = request.GET.get("unread") == "1"
    type_filter = request.GET.get("type", "")
    queryset = selectors.notifications_for(user=request.user, only_unread=only_unread, type=type_filter)
    paginator = Paginator(queryset, PER_PAGE)
    if not only_unread and not type_filter and request.GET.get("page", "1") == "1":
        first_page = selectors.first_page_for(user=request.user, per_page=PER_PAGE)
        paginator.count = first_page["count"]
        page = Page(first_page["rows"], 1, paginator)
    else:
        page = paginator.get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {
        "page": page, "only_unread": only_unread, "type_filter": type_filter, "types": Notification.Type.choices,
    })


@login_required
@require_POST
def mark_read(request, pk):
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    services.notification_mark_read(user=request.user, notification_id=pk)
    if request.POST.get("open") and _is_safe(request, notification.action_url):
        return redirect(notification.action_url)
    return redirect("notifications:list")


def _is_safe(request, url):
    return bool(url) and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()})


@login_required
@require_POST
def mark_all_read(request):
    services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("Toutes vos notifications sont lues."))
    next_url = request.POST.get("next")
    return redirect(next_url if _is_safe(request, next_url) else "notifications:list")


@login_required
@require_POST
def delete(request, pk):
    get_object_or_404(Notification, pk=pk, user=request.user)
    services.notification_delete(user=request.user, notification_id=pk)
    messages.success(request, _("Notification supprimée."))
    return redirect("notifications:list")


def unsubscribe(request, token):
    """One click from an e-mail: GET asks, POST turns that kind of e-mail off
    (mail scanners follow links; they do not submit forms)."""
    try:
        signing.loads(token, salt=services.UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "POST":
        try:
            _user, kind = services.email_unsubscribe(token=token)
        except signing.BadSignature:
            return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
        return render(request, "notifications/unsubscribe.html", {"done": True, "kind_label": KIND_LABELS[kind]})
    return render(request, "notifications/unsubscribe.html", {})
