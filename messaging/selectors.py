"""Reads shared by the messaging views; each costs a fixed number of queries
whatever the number of conversations or messages."""

import uuid
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.auth import users_version
from accounts.models import User
from core import user_cache

from .models import Conversation, Message, MessageAttachment, Participant

SENT = Message.SENT_STATUSES
# A conversation page shows this many messages; "Messages précédents" loads
# the page before (keyset on the id, never OFFSET).
PAGE_SIZE = 50
PINNED_LIMIT = 20
INBOX_PAGE_SIZE = 20
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# What a template needs of a person: names and role, never the e-mail or
# the password hash (they are not even loaded).
USER_DISPLAY_FIELDS = ("id", "first_name", "last_name", "role", "is_active")


def _user_fields(prefix):
    return [f"{prefix}__{name}" for name in USER_DISPLAY_FIELDS]


def _my_participation(user):
    return Participant.objects.filter(conversation=OuterRef("pk"), user=user)


def written_to(queryset, user):
    """The messages of ``queryset`` that people wrote to ``user``: what counts
    as unread (badge, inbox, e-mail summary). The platform's notices ("Paiement
    reçu", "Correcteur désigné"...) have no sender: they show in the thread
    but never count, and neither do the user's own messages."""
    return queryset.filter(sender__isnull=False).exclude(sender=user)


def _unread_count(user):
    """Messages people wrote to the user newer than the user's read mark
    (NULL mark, i.e. not a participant: nothing counts as unread)."""
    unread = (
        written_to(
            Message.objects.filter(conversation=OuterRef("pk"), id__gt=OuterRef("my_last_read"), status__in=SENT),
            user,
        )
        .order_by()
        .values("conversation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(unread, output_field=IntegerField()), Value(0))


def _with_participation(queryset, user):
    """Annotate the user's participation, read mark and archive flag."""
    mine = _my_participation(user)
    return queryset.annotate(
        is_participant=Exists(mine),
        my_last_read=Subquery(mine.values("last_read_message_id")[:1]),
        my_archived=Coalesce(Subquery(mine.values("archived")[:1]), Value(False), output_field=BooleanField()),
    )


def with_user_state(queryset, user):
    """Annotate the user's participation, read mark, archive flag and unread count."""
    return _with_participation(queryset, user).annotate(unread=_unread_count(user))


def conversation_for_user(*, user, pk):
    """The conversation if ``user`` may read it (participant or staff), with
    their participation annotated (not the unread count: no conversation view
    shows it, and the poll asks every few seconds); 404 otherwise (one query)."""
    queryset = _with_participation(Conversation.objects.all(), user)
    try:
        conversation = queryset.get(pk=pk)
    except (Conversation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not (user.is_active and (user.is_admin or conversation.is_participant)):
        raise Http404
    return conversation


# The conversation page's own row (conversation_for_user), kept per
# conversation and viewer: renewed when the conversation row or a participant
# is written (the poll's token: a participant removed loses access at once),
# when the viewer's read mark or archive flag moves (their badge token:
# services.unread_changed), and when any user is written (a role changed).
CONVERSATION_FOR_PAGE = "conversation-for-page"


def conversation_for_page(*, user, pk):
    """conversation_for_user, from the cache (the page asks at each view)."""
    token = "-".join((user_cache.version(POLL_STATE_CACHE, pk, timeout=POLL_STATE_CACHE_SECONDS),
                      unread_version(user=user), users_version()))
    return user_cache.cached(CONVERSATION_FOR_PAGE, f"{pk}:{user.pk}", lambda: conversation_for_user(user=user, pk=pk),
                             timeout=UNREAD_CACHE_SECONDS, token=token)


def order_conversation_for_user(*, user, order_id):
    """The order's conversation, same rule; 404 when it does not exist yet."""
    conversation_id = Conversation.objects.filter(order_id=order_id).values_list("pk", flat=True).first()
    if conversation_id is None:
        raise Http404
    return conversation_for_user(user=user, pk=conversation_id)


def inbox_for(*, user, search="", archived=False):
    """Conversations the user takes part in (all of them for staff), latest
    activity first, each with its last message, the user's unread count and
    the participants' names: two queries per page (rows, participants);
    inbox_page cuts the pages."""
    queryset = Conversation.objects.all()
    if not user.is_admin:
        queryset = queryset.filter(Exists(_my_participation(user)))
    mine_archived = _my_participation(user).filter(archived=True)
    queryset = queryset.filter(Exists(mine_archived)) if archived else queryset.exclude(Exists(mine_archived))
    search = (search or "").strip()
    if search:
        in_messages = Message.objects.filter(conversation=OuterRef("pk"), status__in=SENT, content__icontains=search)
        queryset = queryset.filter(Q(subject__icontains=search) | Exists(in_messages))
    participants = Participant.objects.select_related("user").only("conversation_id", *_user_fields("user"))
    return (
        with_user_state(queryset, user)
        .select_related("last_message__sender")
        .only(
            "id", "kind", "subject", "order_id", "last_message_at", "created_at",
            "last_message__id", "last_message__content", "last_message__signed_as_team",
            "last_message__sender_id", "last_message__type", "last_message__visitor_name",
            "last_message__visitor_email", *_user_fields("last_message__sender"),
        )
        .prefetch_related(Prefetch("participants", queryset=participants))
        .order_by("-last_message_at", "-id")
    )


def inbox_page(*, user, search="", archived=False, after="", size=INBOX_PAGE_SIZE):
    """One page of the inbox, keyset on (last_message_at, id) descending:
    ``after`` is the cursor of the page before's last row (inbox_cursor).
    It reads ``size`` + 1 rows to know whether a next page exists: no
    COUNT(*) of every conversation, and the 500th page costs what the first
    does. Returns (conversations, the next page's cursor or None)."""
    queryset = inbox_for(user=user, search=search, archived=archived)
    position = _parse_inbox_cursor(after)
    if position is not None:
        at, pk = position
        queryset = queryset.filter(Q(last_message_at__lt=at) | Q(last_message_at=at, pk__lt=pk))
    rows = list(queryset[: size + 1])
    has_next = len(rows) > size
    rows = rows[:size]
    return rows, (inbox_cursor(rows[-1]) if has_next else None)


def inbox_cursor(conversation):
    """A conversation's place in the inbox order, for a URL: microseconds
    since the epoch and the id (exact, unlike a float timestamp)."""
    micros = (conversation.last_message_at - EPOCH) // timedelta(microseconds=1)
    return f"{micros}.{conversation.pk.hex}"


def _parse_inbox_cursor(value):
    """(last_message_at, id) from inbox_cursor's text; None for junk (the first page)."""
    try:
        micros, pk = (value or "").split(".")
        return EPOCH + timedelta(microseconds=int(micros)), uuid.UUID(pk)
    except (ValueError, OverflowError):
        return None


# The nav badge is polled by every open tab: its count stays in the cache
# until a message reaches the user or they read (services.unread_changed), or
# this long at most (an edit in the admin announces nothing).
UNREAD_CACHE = "unread"
UNREAD_CACHE_SECONDS = 60


def unread_version(*, user):
    """The token of the user's badge: its ETag, and the key of its cached count."""
    return user_cache.version(UNREAD_CACHE, user.pk, timeout=UNREAD_CACHE_SECONDS)


# Staff read every conversation: their inbox also follows a version of all of
# them, renewed when any conversation is written (a message moves its last
# message) or gains or loses a participant (conversations_changed).
CONVERSATIONS = "conversations"


def inbox_cached(*, user, key, compute):
    """``compute()`` (the inbox as usually opened: no search, not archived,
    first page) from the cache under the user's badge token: a message
    reaching them or sent by them, a read mark, an archive toggle, a
    participant joining or leaving one of their conversations renews it
    (services.unread_changed); for staff, any conversation written too; and
    any user written (their names: accounts.auth.users_version). What no
    service announces (a message edited in the admin) shows within
    UNREAD_CACHE_SECONDS. ``key``: what the value depends on besides."""
    token = f"{unread_version(user=user)}-{users_version()}"
    if user.is_admin:
        token += "-" + user_cache.version(CONVERSATIONS, "all", timeout=UNREAD_CACHE_SECONDS)
    return user_cache.cached("inbox", f"{user.pk}:{key}", compute, timeout=UNREAD_CACHE_SECONDS, token=token)


def conversations_changed():
    user_cache.invalidate(CONVERSATIONS, ["all"])


def unread_badge(*, user, version=None):
    """unread_total, from the cache while no message or read mark changed it."""
    return user_cache.cached(UNREAD_CACHE, user.pk, lambda: unread_total(user=user), timeout=UNREAD_CACHE_SECONDS,
                             token=version)


def unread_total(*, user):
    """The nav badge: unread messages people wrote to the user, over the
    user's conversations. One query: the user's participations
    (participants_inbox_idx), then each conversation's messages past the read
    mark, read from messages_unread_idx alone (conversation, id, sender, status)."""
    return written_to(
        Message.objects.filter(
            conversation__participants__user=user,
            id__gt=F("conversation__participants__last_read_message_id"),
            status__in=SENT,
        ),
        user,
    ).count()


def _messages_base(conversation):
    return (
        Message.objects.filter(conversation=conversation, status__in=SENT)
        .select_related("sender", "parent__sender")
        .only(
            "id", "conversation_id", "sender_id", "content", "subject", "type", "status", "parent_id",
            "thread_root_id", "is_pinned", "signed_as_team", "created_at", "visitor_name", "visitor_email",
            *_user_fields("sender"),
            "parent__id", "parent__content", "parent__sender_id", "parent__signed_as_team",
            "parent__visitor_name", "parent__visitor_email",
            *_user_fields("parent__sender"),
        )
        .prefetch_related(
            Prefetch(
                "attachments",
                queryset=MessageAttachment.objects.select_related("stored_file").order_by("id"),
            )
        )
    )


def _page_ids(conversation, *, before=None, start=None, limit):
    """The ids of one page, read from messages_unread_idx (conversation, id,
    sender, status) alone: ``limit`` + 1 index entries whatever the thread's
    length or age. Asked for whole rows with ORDER BY id and LIMIT, MariaDB
    may rather walk the primary key (fine when the thread is the newest,
    the whole table when it is old) or sort the thread's every row."""
    ids = Message.objects.filter(conversation=conversation, status__in=SENT).values_list("id", flat=True)
    if start is not None:
        return list(ids.filter(id__gte=start).order_by("id")[: limit + 1])
    if before:
        ids = ids.filter(id__lt=before)
    return list(ids.order_by("-id")[: limit + 1])


def _messages_by_id(conversation, ids):
    return list(_messages_base(conversation).filter(id__in=ids).order_by("id")) if ids else []


def conversation_messages(*, conversation, before=None, limit=PAGE_SIZE):
    """The latest ``limit`` messages (or those before message ``before``),
    oldest first, with senders, replied-to messages and attachments: three
    queries whatever the number. Keyset pagination on (conversation, id):
    any page costs what the first does. Returns (messages, has_older)."""
    ids = _page_ids(conversation, before=before, limit=limit)
    return _messages_by_id(conversation, ids[:limit]), len(ids) > limit


# The conversation page as it opens (its latest messages, the pinned ones,
# the participants), drawn for one viewer, is kept until a message of the
# conversation is sent, edited, deleted or pinned (messaging.receivers;
# message_pin after its bare UPDATE), the conversation row is written (a
# message sent moves its last message), someone joins or leaves, a user is
# written (their names: accounts.auth.users_version), or LATEST_PAGE_SECONDS
# have passed (an attachment's file purged). A read mark changes nothing the
# page shows.
LATEST_PAGE = "conversation-latest"
LATEST_PAGE_SECONDS = 60


def latest_page(*, conversation):
    """{"messages", "has_older", "pinned", "participants"} of the page as it opens."""
    messages, has_older = conversation_messages(conversation=conversation)
    return {"messages": messages, "has_older": has_older, "pinned": pinned_messages(conversation=conversation),
            "participants": participants_of(conversation=conversation)}


def latest_page_cached(*, conversation, viewer, key, compute):
    """``compute()`` (the page as it opens, drawn for ``viewer``) from the
    cache while nothing it shows was written. ``key``: what the value
    depends on besides (the markup's language, time zone, release)."""
    token = f"{user_cache.version(LATEST_PAGE, conversation.pk, timeout=LATEST_PAGE_SECONDS)}-{users_version()}"
    return user_cache.cached(LATEST_PAGE, f"{conversation.pk}:{viewer.pk}:{key}", compute,
                             timeout=LATEST_PAGE_SECONDS, token=token)


# The composer as the viewer opens it (no reply chosen, nothing posted),
# drawn per conversation and viewer, is kept until their draft there is
# saved, sent or removed, or a file of theirs (the files they may attach) is
# written (messaging.receivers), or COMPOSER_SECONDS have passed (a file
# purged by a bare UPDATE).
COMPOSER = "conversation-composer"
COMPOSER_FILES = "composer-files"
COMPOSER_SECONDS = 60


def composer_cached(*, conversation, user, key, compute):
    """``compute()`` (the composer drawn for ``user``) from the cache.
    ``key``: what it depends on besides (the markup's language, release…)."""
    token = "-".join((user_cache.version(COMPOSER, f"{conversation.pk}:{user.pk}", timeout=COMPOSER_SECONDS),
                      user_cache.version(COMPOSER_FILES, user.pk, timeout=COMPOSER_SECONDS)))
    return user_cache.cached(COMPOSER, f"{conversation.pk}:{user.pk}:{user.role}:{key}", compute,
                             timeout=COMPOSER_SECONDS, token=token)


def composer_changed(*, conversation_id, user_id):
    """The user's draft in the conversation was written."""
    user_cache.invalidate(COMPOSER, [f"{conversation_id}:{user_id}"])


def composer_files_changed(*, user_id):
    """A file the user uploaded was written: the files they may attach."""
    user_cache.invalidate(COMPOSER_FILES, [user_id])


def latest_page_changed(*, conversation_id):
    user_cache.invalidate(LATEST_PAGE, [conversation_id])


def conversation_messages_from(*, conversation, start, limit=PAGE_SIZE):
    """``limit`` messages from message ``start`` on, oldest first: the page a
    link to an older message (a quote, a pinned message) opens. Four queries.
    Returns (messages, has_older, has_newer)."""
    ids = _page_ids(conversation, start=start, limit=limit)
    has_older = Message.objects.filter(conversation=conversation, status__in=SENT, id__lt=start).exists()
    return _messages_by_id(conversation, ids[:limit]), has_older, len(ids) > limit


def is_on_latest_page(*, conversation, message_id, limit=PAGE_SIZE):
    """Whether the conversation page shows message ``message_id`` (fewer than
    ``limit`` sent messages after it); one query reading at most ``limit`` ids."""
    newer = Message.objects.filter(conversation=conversation, status__in=SENT, id__gt=message_id)
    return len(newer.order_by("id").values_list("id", flat=True)[:limit]) < limit


def message_in(*, conversation, pk):
    """One sent message of the conversation (the one a reply link names), or None."""
    if pk is None:
        return None
    return _messages_base(conversation).filter(pk=pk).prefetch_related(None).first()


def pinned_messages(*, conversation):
    return list(
        Message.objects.filter(conversation=conversation, status__in=SENT, is_pinned=True)
        .select_related("sender")
        .only("id", "content", "sender_id", "signed_as_team", "created_at", "visitor_name", "visitor_email",
              *_user_fields("sender"))
        .order_by("id")[:PINNED_LIMIT]
    )


# What the 4-second poll needs to answer "nothing new" (304), kept per
# conversation under a core.user_cache token: its last message and who may
# read it. Dropped whenever the conversation row (its last message) or its
# participants are saved or deleted (messaging.receivers).
POLL_STATE_CACHE = "conversation-poll"
POLL_STATE_CACHE_SECONDS = 300


def poll_state(*, user, pk):
    """{"last_message_id", "readers"} of the conversation if ``user`` may read
    it (participant or staff), from the cache; 404 otherwise, as
    conversation_for_user."""
    state = user_cache.cached(POLL_STATE_CACHE, pk, lambda: _poll_state(pk), timeout=POLL_STATE_CACHE_SECONDS)
    if state is None or not (user.is_active and (user.is_admin or user.pk in state["readers"])):
        raise Http404
    return state


def _poll_state(pk):
    """None when there is no such conversation."""
    state = Conversation.objects.filter(pk=pk).values("last_message_id").first()
    if state is not None:
        state["readers"] = set(Participant.objects.filter(conversation_id=pk).values_list("user_id", flat=True))
    return state


def poll_state_changed(*, conversation_id):
    user_cache.invalidate(POLL_STATE_CACHE, [conversation_id])


def poll_cursor(value):
    """The poll's "after" parameter as a message id (0 for junk)."""
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0


def messages_since(*, conversation, cursor):
    """Messages after id ``cursor`` (the poll). One indexed query on
    (conversation, id) when there is nothing new; attachments are only
    fetched when there is something to show."""
    queryset = _messages_base(conversation).filter(id__gt=poll_cursor(cursor)).order_by("id")[:PAGE_SIZE]
    return list(queryset)


def participants_of(*, conversation):
    return list(
        Participant.objects.filter(conversation=conversation)
        .select_related("user")
        .only("conversation_id", "archived", *_user_fields("user"))
        .order_by("joined_at")
    )


def draft_for(*, conversation, user):
    return (
        # draft_slot: the unique index (conversation, sender, draft_slot) finds
        # it at once; the status alone made MariaDB read every message the
        # user wrote in the thread.
        Message.objects.filter(conversation=conversation, sender=user, draft_slot=True, status=Message.Status.BROUILLON)
        .only("id", "content", "updated_at")
        .first()
    )


def attachment_for_user(*, user, pk):
    """An attachment of a message the user may read; 404 otherwise."""
    try:
        attachment = (
            MessageAttachment.objects.select_related("stored_file", "message")
            .filter(message__status__in=SENT)
            .get(pk=pk)
        )
    except (MessageAttachment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    conversation_for_user(user=user, pk=attachment.message.conversation_id)
    return attachment


# --- Staff write first to a client (issue 9) ---------------------------------------

CLIENT_SEARCH_MIN_LENGTH = 2
CLIENT_SEARCH_LIMIT = 10


def _active_clients():
    return User.objects.filter(role=User.Role.USER, is_active=True).only(*USER_DISPLAY_FIELDS, "email")


def clients_matching(*, search, limit=CLIENT_SEARCH_LIMIT):
    """Active clients whose name or e-mail contains every word of ``search``
    ("marie dup" finds Marie Dupont): at most ``limit``, one query; nothing
    for a search shorter than CLIENT_SEARCH_MIN_LENGTH."""
    words = (search or "").split()
    if len(" ".join(words)) < CLIENT_SEARCH_MIN_LENGTH:
        return []
    queryset = _active_clients()
    for word in words[:5]:
        queryset = queryset.filter(
            Q(email__icontains=word) | Q(first_name__icontains=word) | Q(last_name__icontains=word)
        )
    return list(queryset.order_by("last_name", "first_name", "email")[:limit])


def active_client(*, pk):
    """The active client with this id, or None (a bad or stale id in a link)."""
    try:
        return _active_clients().filter(pk=pk).first()
    except (ValueError, TypeError, ValidationError):
        return None


def attachments_readable_by(*, user):
    """Attachments of sent messages in the conversations ``user`` takes part
    in — what attachment_for_user lets them download (staff aside)."""
    return MessageAttachment.objects.filter(
        message__status__in=SENT,
        message__conversation__in=Participant.objects.filter(user=user).values("conversation_id"),
    )
