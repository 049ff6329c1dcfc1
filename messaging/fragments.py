"""Rendered messages from the cache: a conversation page renders 50 of them.

Each message's HTML (``messaging/_message.html``) is cached under a key that
is a digest of everything the markup shows: the message's own fields (content,
pin, team signature, date…), its author's name and role, the message it
answers, its attachments (name, size, still available), the language and time
zone, whether the viewer wrote it (``message--mine``), whether the answered
message is in the page (an anchor or a link to an older page), and the
templates of the release. A change to any of them gives another key, so no
write has to invalidate anything: a pin, an edit in the admin or a renamed
author simply reads a new entry, and the old one expires.

The only per-viewer secret in the markup, the CSRF token of the pin form, is
never cached: the fragment is rendered with a placeholder that is replaced by
this request's token. A page costs one ``get_many`` (and one ``set_many`` for
the messages rendered for the first time).
"""

import hashlib

from django.core.cache import cache
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from core.public_cache import _release_digest

TEMPLATE = "messaging/_message.html"
CACHE_SECONDS = 24 * 3600
CSRF_PLACEHOLDER = "__staka_csrf_token__"


def _person(user):
    return None if user is None else (user.pk, user.first_name, user.last_name, user.role, user.is_active)


def _author(message):
    return (message.sender_id, _person(message.sender) if message.sender_id else None, message.visitor_name,
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


def _key(fingerprint, *, prefix):
    digest = hashlib.blake2b(repr(fingerprint).encode(), digest_size=16).hexdigest()
    return f"msg:{prefix}:{message_fingerprint_version()}:{digest}"


def message_fingerprint_version():
    """The release's templates and settings (another release renders other markup)."""
    return _release_digest()


def render_messages(messages, *, viewer, first_shown, csrf_token):
    """The HTML of ``messages`` in a row, as ``{% include "messaging/_message.html" %}``
    in a loop renders it, from the cache where it can."""
    messages = list(messages)
    token = str(csrf_token or "")
    if not messages:
        return mark_safe("")  # noqa: S308 - nothing
    if not token or token == "NOTPROVIDED":
        # Rendered outside a request: {% csrf_token %} writes nothing, so neither does the cached markup.
        template = get_template(TEMPLATE)
        return mark_safe("".join(  # noqa: S308 - our templates' output
            template.render({"message": m, "user": viewer, "first_shown": first_shown}) for m in messages))
    prefix = f"{translation.get_language()}:{timezone.get_current_timezone_name()}"
    viewer_id = getattr(viewer, "pk", None)
    keys = [_key(message_fingerprint(m, viewer_id=viewer_id, first_shown=first_shown), prefix=prefix)
            for m in messages]
    found = cache.get_many(keys)
    missing = {}
    template = None
    parts = []
    for key, message in zip(keys, messages, strict=True):
        html = found.get(key)
        if html is None:
            template = template or get_template(TEMPLATE)
            html = template.render({"message": message, "user": viewer, "first_shown": first_shown,
                                    "csrf_token": CSRF_PLACEHOLDER})
            missing[key] = html
        parts.append(html)
    if missing:
        cache.set_many(missing, CACHE_SECONDS)
    # The cached markup holds a placeholder where the pin form's token goes.
    return mark_safe("".join(parts).replace(CSRF_PLACEHOLDER, token))  # noqa: S308 - our templates' output
