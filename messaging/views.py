"""Thin views: check access (404 for anyone who may not read), call a form
and a service, render. htmx requests get partials."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import parse_etags
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget, trigger_client_event
from django_ratelimit.core import is_ratelimited
from django_ratelimit.exceptions import Ratelimited

from core import user_cache
from core.fragments import markup_key, shareable_markup, with_csrf_token
from files.services import file_response

from . import selectors, services
from .display import other_participant_names
from .forms import ClientConversationForm, ClientSearchForm, DraftForm, InboxFilterForm, MessageForm
from .models import Message

DEFAULT_SEND_RATE = "30/m"
READ_EVENT = "messaging:read"  # the nav badge listens to it


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _check_send_rate(request):
    # Generous for a person, a wall for a script flooding a conversation.
    rate = getattr(settings, "RATE_LIMITS", {}).get("messages", DEFAULT_SEND_RATE)
    if is_ratelimited(request, group="messages", key="user", rate=rate, increment=True):
        raise Ratelimited


# --- Inbox ----------------------------------------------------------------------

@login_required
def inbox(request):
    filters = InboxFilterForm(request.GET or None)
    search, archived = "", False
    if filters.is_valid():
        search, archived = filters.cleaned_data["q"].strip(), filters.cleaned_data["archived"]
    after = request.GET.get("after", "")
    context = {"filters": filters, "search": search, "archived": archived, "is_first_page": not after}

    def list_context(conversations, next_cursor):
        return {**context, "conversations": conversations, "next_cursor": next_cursor}

    if request.GET:
        page = selectors.inbox_page(user=request.user, search=search, archived=archived, after=after)
        return render(request, "messaging/inbox.html", list_context(*page))
    # As usually opened: the list's markup, kept under the user's inbox token.
    markup = selectors.inbox_cached(user=request.user, key=markup_key(), compute=lambda: shareable_markup(
        "messaging/_inbox_list.html", list_context(*selectors.inbox_page(user=request.user)), request))
    return render(request, "messaging/inbox.html", {**context, "list_markup": with_csrf_token(markup, request)})


@never_cache
@user_cache.read_ahead(selectors.UNREAD_CACHE)
@login_required
@require_GET
def unread_badge(request):
    """The nav badge, polled by htmx. Unchanged since the ETag the poll sends
    back: a 304; else the count, from the cache if it can (one query)."""
    version = selectors.unread_version(user=request.user)
    etag = f'"{version}"'
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        return HttpResponseNotModified(headers={"ETag": etag})
    unread = selectors.unread_badge(user=request.user, version=version)
    response = render(request, "messaging/_unread_badge.html", {"unread": unread})
    response["ETag"] = etag
    return response


@login_required
def conversation_start(request):
    """A client writes to the team."""
    if not request.user.is_client:
        raise PermissionDenied
    form = MessageForm(request.POST or None, request.FILES or None, user=request.user, with_subject=True)
    if request.method == "POST" and form.is_valid():
        _check_send_rate(request)
        try:
            token = form.cleaned_data["client_token"]
            conversation = services.conversation_start_direct(
                client=request.user, subject=form.cleaned_data["subject"], client_token=token,
            )
            services.message_send(
                conversation=conversation, sender=request.user, content=form.cleaned_data["content"],
                attachments=form.all_attachments(), client_token=token,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Votre message est envoyé à l'équipe."))
            url = reverse("messaging:conversation", args=[conversation.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return render(request, "messaging/conversation_start.html", {"form": form})


@login_required
def conversation_start_with_client(request):
    """Staff write first to a client (issue 9), chosen by a search (GET ``q``)
    or by the link on the client's admin page (GET ``client``). Each send
    opens a new conversation with its own subject, as the client's own
    "Écrire à l'équipe" does. The team only: 403 for anyone else."""
    if not request.user.is_admin:
        raise PermissionDenied
    search = ClientSearchForm(request.GET or None)
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    form = ClientConversationForm(
        request.POST or None, request.FILES or None, user=request.user,
        initial={"client": request.GET.get("client")},
    )
    if request.method == "POST" and form.is_valid():
        _check_send_rate(request)
        data = form.cleaned_data
        try:
            conversation = services.conversation_start_direct(
                client=data["client"], subject=data["subject"], client_token=data["client_token"], by=request.user,
            )
            services.message_send(
                conversation=conversation, sender=request.user, content=data["content"],
                attachments=form.all_attachments(), signed_as_team=data.get("signed_as_team", False),
                client_token=data["client_token"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Votre message est envoyé au client."))
            url = reverse("messaging:conversation", args=[conversation.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    chosen = form.data.get("client") if form.is_bound else request.GET.get("client")
    return render(request, "messaging/conversation_start_with_client.html", {
        "form": form, "search": search, "query": query,
        "client": selectors.active_client(pk=chosen) if chosen else None,
        "results": selectors.clients_matching(search=query) if query else [],
        "min_length": selectors.CLIENT_SEARCH_MIN_LENGTH,
    })


@login_required
@require_GET
def order_conversation(request, order_id):
    """The link from an order page. The conversation is created by the
    orders side (conversation_for_order); none yet means 404."""
    conversation = selectors.order_conversation_for_user(user=request.user, order_id=order_id)
    return redirect("messaging:conversation", pk=conversation.pk)


# --- One conversation ---------------------------------------------------------------

def _conversation_context(request, conversation, *, form=None, before=None, start=None):
    """The conversation page: the latest PAGE_SIZE messages (live: read
    marked, poller, composer), or an older page (``before`` a message, or
    from message ``start``, the page a link to an old message opens)."""
    live = before is None and start is None
    if live:
        # As it opens, drawn for this viewer, kept until something it shows is written.
        thread = selectors.latest_page_cached(
            conversation=conversation, viewer=request.user, key=markup_key(),
            compute=lambda: _draw_thread(request, conversation, **selectors.latest_page(conversation=conversation)))
    elif start is not None:
        messages_list, has_older, has_newer = selectors.conversation_messages_from(
            conversation=conversation, start=start)
        thread = _draw_thread(request, conversation, messages_list, has_older, has_newer=has_newer)
    else:
        thread = _draw_thread(request, conversation, *selectors.conversation_messages(
            conversation=conversation, before=before))
    # Read up to the last message shown, unless the user's read mark is there already.
    if live and thread["last_shown"] and (conversation.my_last_read or 0) < thread["last_shown"]:
        services.conversation_mark_read(conversation=conversation, user=request.user, up_to=thread["last_shown"])
    return {
        "conversation": conversation,
        **thread,
        "pinned_markup": with_csrf_token(thread["pinned_markup"], request),
        "messages_markup": with_csrf_token(thread["messages_markup"], request),
        "live": live,
        "composer": _composer(request, conversation, form) if live else "",
    }


# Where the kept composer's client token goes: each view gets its own (one
# form posted twice is one message, two forms are two).
CLIENT_TOKEN_PLACEHOLDER = "__staka_client_token__"


def _composer(request, conversation, form=None):
    """The message form's markup. As the viewer opens it (no reply chosen,
    nothing posted) from the cache (selectors.composer_cached); always with
    this request's CSRF token and a fresh client token."""
    if form is not None:  # posted, with its errors
        reply_to = form.cleaned_data.get("parent") if hasattr(form, "cleaned_data") else None
        markup = _draw_composer(request, conversation, form, reply_to)
    elif reply_to := selectors.message_in(conversation=conversation, pk=_int_or_none(request.GET.get("reply_to"))):
        markup = _draw_composer(request, conversation, _blank_message_form(request, conversation, reply_to), reply_to)
    else:
        markup = selectors.composer_cached(
            conversation=conversation, user=request.user, key=f"{markup_key()}:{timezone.localdate()}",
            compute=lambda: _draw_composer(request, conversation, _blank_message_form(
                request, conversation, client_token=CLIENT_TOKEN_PLACEHOLDER)))
    return with_csrf_token(markup.replace(CLIENT_TOKEN_PLACEHOLDER, str(uuid.uuid4())), request)


def _blank_message_form(request, conversation, reply_to=None, **initial):
    """A new message's form, with the viewer's draft."""
    draft = selectors.draft_for(conversation=conversation, user=request.user)
    return MessageForm(user=request.user, conversation=conversation, initial={
        "content": draft.content if draft else "", "parent": reply_to.pk if reply_to else None, **initial})


def _draw_composer(request, conversation, form, reply_to=None):
    return shareable_markup("messaging/_form.html", {"conversation": conversation, "form": form, "reply_to": reply_to},
                            request)


def _draw_thread(request, conversation, messages, has_older, pinned=None, participants=None, *, has_newer=False):
    """What the page shows of the conversation besides the composer: the
    pinned messages and the messages drawn (CSRF placeholders: see
    core.fragments.shareable_markup), the other participants' names, and
    the ids the page's controls need."""
    if pinned is None:
        pinned = selectors.pinned_messages(conversation=conversation)
    if participants is None:
        participants = selectors.participants_of(conversation=conversation)
    marks = _page_marks(messages, has_older)
    context = {"conversation": conversation, "conversation_messages": messages, "pinned": pinned, **marks}
    return {
        **marks,
        "has_newer": has_newer,
        "last_shown": messages[-1].pk if messages else 0,
        "others": other_participant_names(participants, request.user),
        "pinned_markup": shareable_markup("messaging/_pinned.html", context, request),
        "messages_markup": shareable_markup("messaging/_older_messages.html", context, request),
    }


def _page_marks(messages_list, has_older):
    """What the "Messages précédents" control and the in-page links need: a
    link to a message at or after ``first_shown`` stays an anchor in the page,
    one to an older message opens the page that starts with it."""
    return {"has_older": has_older, "first_shown": messages_list[0].pk if messages_list else None}


@login_required
@require_GET
def conversation_detail(request, pk):
    conversation = selectors.conversation_for_page(user=request.user, pk=pk)
    before = _int_or_none(request.GET.get("before"))
    start = _int_or_none(request.GET.get("from"))
    if request.htmx and before:
        # "Messages précédents": the page before, in place of the control.
        messages_list, has_older = selectors.conversation_messages(conversation=conversation, before=before)
        return render(request, "messaging/_older_messages.html", {
            "conversation": conversation, "conversation_messages": messages_list,
            **_page_marks(messages_list, has_older),
        })
    context = _conversation_context(request, conversation, before=before, start=start)
    return render(request, "messaging/conversation.html", context)


@login_required
@require_POST
def message_send(request, pk):
    conversation = selectors.conversation_for_user(user=request.user, pk=pk)
    form = MessageForm(request.POST, request.FILES, user=request.user, conversation=conversation)
    if form.is_valid():
        _check_send_rate(request)
        data = form.cleaned_data
        try:
            message = services.message_send(
                conversation=conversation, sender=request.user, content=data["content"], parent=data["parent"],
                attachments=form.all_attachments(), signed_as_team=data.get("signed_as_team", False),
                client_token=data["client_token"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if not request.htmx:
                # A repeated submit lands on the same message.
                return redirect(f"{reverse('messaging:conversation', args=[conversation.pk])}#message-{message.pk}")
            # Appended to the list by htmx (once: a repeat appends nothing);
            # messaging.js clears the form and puts in the next form's token.
            shown = [] if message.already_sent else (
                selectors.messages_since(conversation=conversation, cursor=message.pk - 1)[:1])
            response = render(request, "messaging/_messages.html", {
                "conversation": conversation, "conversation_messages": shown,
            })
            return trigger_client_event(response, "messaging:sent", {"client_token": str(uuid.uuid4())})
    if request.htmx:
        # Errors: the form comes back in place of the form, not in the list.
        response = render(request, "messaging/_form.html", {"conversation": conversation, "form": form})
        return reswap(retarget(response, "#message-form"), "outerHTML")
    return render(request, "messaging/conversation.html", _conversation_context(request, conversation, form=form))


def _poll_etag(last_message_id, cursor):
    """What a poll's answer depends on: the messages after the cursor, which
    only change when the conversation's last message does (message_send
    moves it under the conversation's lock)."""
    return f'"{last_message_id or 0}-{cursor}"'


@never_cache
@user_cache.read_ahead(selectors.POLL_STATE_CACHE, url_key="pk")
@login_required
@require_GET
def messages_since(request, pk):
    """The 4-second poll. messaging.js sends back the last answer's ETag:
    when the conversation has not moved, 304 without a query (the access
    check and the last message's id come from selectors.poll_state's
    cache). Otherwise the new messages (an empty 200 when there are none),
    with their ETag.

    The answer stays no-store (core.middleware: no copy of a message on the
    browser's disk), so the browser does not revalidate by itself: the page's
    script does it."""
    state = selectors.poll_state(user=request.user, pk=pk)
    cursor = selectors.poll_cursor(request.GET.get("after"))
    etag = _poll_etag(state["last_message_id"], cursor)
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponseNotModified()
        response["ETag"] = etag
        return response
    conversation = selectors.conversation_for_user(user=request.user, pk=pk)
    etag = _poll_etag(conversation.last_message_id, cursor)
    new = selectors.messages_since(conversation=conversation, cursor=cursor)
    if new:
        services.conversation_mark_read(conversation=conversation, user=request.user, up_to=new[-1].pk)
    response = render(request, "messaging/_messages.html", {
        "conversation": conversation, "conversation_messages": new,
    })
    response["ETag"] = etag
    return trigger_client_event(response, READ_EVENT) if new else response


@login_required
@require_POST
def draft_save(request, pk):
    """What the user is typing, saved by a debounced htmx request."""
    conversation = selectors.conversation_for_user(user=request.user, pk=pk)
    form = DraftForm(request.POST)
    if not form.is_valid():
        return render(request, "messaging/_draft_status.html", {"form": form}, status=400)
    try:
        draft = services.message_save_draft(
            conversation=conversation, sender=request.user, content=form.cleaned_data["content"],
            known_last_id=_int_or_none(request.POST.get("after")),
        )
    except ValidationError:
        raise Http404 from None
    return render(request, "messaging/_draft_status.html", {"draft": draft})


def _message_url(conversation, message):
    """The address that shows ``message``: the conversation page when it is
    among the latest, else the older page that starts with it."""
    url = reverse("messaging:conversation", args=[conversation.pk])
    if not selectors.is_on_latest_page(conversation=conversation, message_id=message.pk):
        url = f"{url}?from={message.pk}"
    return f"{url}#message-{message.pk}"


@login_required
@require_POST
def message_pin(request, pk, message_id):
    conversation = selectors.conversation_for_user(user=request.user, pk=pk)
    message = Message.objects.filter(
        conversation=conversation, pk=message_id, status__in=Message.SENT_STATUSES
    ).first()
    if message is None:
        raise Http404
    pinned = request.POST.get("pinned") == "1"
    services.message_pin(message=message, by=request.user, pinned=pinned)
    messages.success(request, _("Message épinglé.") if pinned else _("Message détaché."))
    url = _message_url(conversation, message)
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@login_required
@require_POST
def conversation_archive(request, pk):
    conversation = selectors.conversation_for_user(user=request.user, pk=pk)
    archived = request.POST.get("archived") == "1"
    try:
        services.conversation_archive(conversation=conversation, user=request.user, archived=archived)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("messaging:conversation", pk=conversation.pk)
    messages.success(request, _("Conversation archivée.") if archived else _("Conversation remise dans la boîte de réception."))
    return redirect("messaging:inbox")


@login_required
@require_GET
def attachment_download(request, pk):
    attachment = selectors.attachment_for_user(user=request.user, pk=pk)
    return file_response(stored_file=attachment.stored_file)
