"""The messages of a conversation from the per-row cache (core.fragments).

A message's markup (``messaging/_message.html``) shows its own fields
(content, pin, team signature, date…), its author's name and role, the
message it answers, its attachments (name, size, still available), whether
the viewer wrote it (``message--mine``) and whether the answered message is
in the page (an anchor, or a link to an older page): all of it is in the
fingerprint, so a pin, an edit in the admin or a renamed author reads a fresh
rendering at once.
"""

from core.fragments import person, render_rows

TEMPLATE = "messaging/_message.html"
INBOX_TEMPLATE = "messaging/_inbox_item.html"


def _author(message):
    return (message.sender_id, person(message.sender, "role", "is_active") if message.sender_id else None, message.visitor_name,
            message.visitor_email, message.signed_as_team)


def message_fingerprint(message, *, viewer_id, first_shown):
    """Everything ``_message.html`` shows of ``message`` for this viewer on this page."""
    parent = message.parent if message.parent_id else None
    parent_part = None
    if parent is not None:
        in_page = bool(first_shown) and int(message.parent_id) >= int(first_shown)
        parent_part = (parent.pk, parent.content, *_author(parent), in_page)
    attachments = tuple(
        (a.pk, a.stored_file.original_name, a.stored_file.size, a.stored_file.is_available)
        for a in message.attachments.all()
    )
    return (
        message.pk, message.conversation_id, message.content, message.subject, message.type, message.status,
        message.is_pinned, message.created_at.isoformat(), *_author(message),
        bool(message.sender_id) and message.sender_id == viewer_id,
        parent_part, attachments,
    )


def render_messages(messages, *, viewer, first_shown, csrf_token):
    """The HTML of ``messages`` in a row, as ``{% include "messaging/_message.html" %}``
    in a loop renders it, from the cache where it can."""
    viewer_id = getattr(viewer, "pk", None)
    return render_rows(
        TEMPLATE, messages, name="message",
        fingerprint=lambda message: message_fingerprint(message, viewer_id=viewer_id, first_shown=first_shown),
        context={"user": viewer, "first_shown": first_shown}, csrf_token=csrf_token)


def inbox_fingerprint(conversation, *, viewer):
    """Everything ``_inbox_item.html`` shows of a conversation to ``viewer``:
    its subject, kind, unread count and date, its last message, and the other
    participants' names as this viewer reads them (the team as one name to
    clients and correctors)."""
    last = conversation.last_message if conversation.last_message_id else None
    return (
        conversation.pk, conversation.subject, conversation.kind, conversation.unread,
        conversation.last_message_at.isoformat() if conversation.last_message_at else None,
        (last.pk, last.content, last.type, *_author(last)) if last is not None else None,
        tuple((p.user_id, person(p.user, "role", "is_active")) for p in conversation.participants.all()),
        viewer.pk, viewer.is_admin,
    )


def render_inbox_items(conversations, *, viewer, csrf_token):
    return render_rows(
        INBOX_TEMPLATE, conversations, name="conversation", context={"user": viewer}, csrf_token=csrf_token,
        fingerprint=lambda conversation: inbox_fingerprint(conversation, viewer=viewer))
