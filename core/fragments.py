"""Rows of a list rendered from the cache (issue 13).

A logged-in list (the messages of a conversation, the staff board, a queue,
an inbox) draws dozens of rows through the same partial template; rendering
them is most of the page's cost. ``render_rows`` caches each row's HTML under
a key that is a digest of its *fingerprint*: everything the partial shows of
the row for this viewer (the caller lists it), plus the language, the time
zone, the date of today (an "overdue" mark) and the release's templates and
settings. Any change to what a row shows gives another key, so no write has to
invalidate anything and a stale row is never read; old entries expire.

The one per-viewer secret of the markup, the CSRF token of a row's form, is
never cached: rows are rendered with a placeholder that is replaced by this
request's token. One ``get_many`` per list (and one ``set_many`` for the rows
rendered for the first time). ``shareable_markup`` and ``with_csrf_token`` do
the same for a whole list that a caller keeps under its own version.
"""

import hashlib

from django.core.cache import cache
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from core.public_cache import _release_digest

CACHE_SECONDS = 24 * 3600
CSRF_PLACEHOLDER = "__staka_csrf_token__"


def markup_key():
    """What drawn markup depends on besides its data: the release's templates
    and settings, the language and the time zone."""
    return f"{_release_digest()}:{translation.get_language()}:{timezone.get_current_timezone_name()}"


def _prefix(template_name):
    return f"frag:{markup_key()}:{template_name}:{timezone.localdate().isoformat()}"


def shareable_markup(template_name, context, request):
    """``template_name`` drawn for ``request`` with a placeholder where
    ``{% csrf_token %}`` writes the token: markup that may be kept in a cache
    and served again, to anyone who may see it, through with_csrf_token."""
    return get_template(template_name).render({**context, "csrf_token": CSRF_PLACEHOLDER}, request)


def with_csrf_token(markup, request):
    """Kept markup with this request's CSRF token in its forms."""
    return mark_safe(markup.replace(CSRF_PLACEHOLDER, get_token(request)))  # noqa: S308 - our templates' output


def render_rows(template_name, rows, *, name, fingerprint, context=None, csrf_token=None):
    """The HTML of ``{% for <name> in rows %}{% include template_name %}{% endfor %}``
    with ``context`` (the values the partial reads besides the row: the
    viewer, the page…), each row from the cache where it can be.
    ``fingerprint(row)`` returns a repr-able value of everything the row's
    markup depends on, the parts of ``context`` it uses included."""
    rows = list(rows)
    context = dict(context or {})
    token = str(csrf_token or "")
    template = get_template(template_name)
    if not rows:
        return mark_safe("")  # noqa: S308 - nothing
    if not token or token == "NOTPROVIDED":
        # Outside a request {% csrf_token %} writes nothing: render as the include would.
        return mark_safe("".join(  # noqa: S308 - our templates' output
            template.render({**context, name: row}) for row in rows))
    prefix = _prefix(template_name)
    keys = [f"{prefix}:{hashlib.blake2b(repr(fingerprint(row)).encode(), digest_size=16).hexdigest()}"
            for row in rows]
    found = cache.get_many(keys)
    missing = {}
    parts = []
    for key, row in zip(keys, rows, strict=True):
        html = found.get(key)
        if html is None:
            html = template.render({**context, name: row, "csrf_token": CSRF_PLACEHOLDER})
            missing[key] = html
        parts.append(html)
    if missing:
        cache.set_many(missing, CACHE_SECONDS)
    # The cached markup holds a placeholder where the forms' token goes.
    return mark_safe("".join(parts).replace(CSRF_PLACEHOLDER, token))  # noqa: S308 - our templates' output


def person(user, *fields):
    """A user's name (and ``fields``) as a row shows them: part of a fingerprint.
    Only fields the row's query loaded: a deferred one would cost a query per row."""
    if user is None:
        return None
    return (user.pk, user.first_name, user.last_name, *(getattr(user, field) for field in fields))
