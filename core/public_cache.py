"""The public pages' expensive parts, cached until what they show changes.

Anonymous visitors all see the same services, prices, testimonials, FAQ and
CMS pages; rendering them (forms, Markdown, six queries) costs far more than
the request around them. Those parts are cached under a key that holds a
*content version*: every write that changes what a public page shows (a
Service, an FAQ, a Testimonial, a Page or PageRevision saved or deleted) calls
``public_cache_bump`` from a signal, which stores a new version (again once
the transaction commits); the next request builds new keys and the old entries
are never read again (they expire). Redis is shared by every web process, so
one bump reaches them all.

The key also holds a digest of the settings (the figures the pages state come
from them) and of the project's templates: a process started with other
settings, or a deployment with changed templates, reads other keys. What a
key never holds is anything of one visitor's: the CSRF token, the forms'
one-time submission keys, the header of a logged-in user and the messages
are rendered per request around the cached parts. A raw SQL or
``QuerySet.update()`` sends no signal: such a change shows within
``PUBLIC_CACHE_SECONDS``.
"""

import hashlib
import json
import time
from functools import cache as once
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "public:version"
# A backstop: entries expire by themselves (a change written without a signal shows within it).
PUBLIC_CACHE_SECONDS = 15 * 60


@once
def _release_digest():
    """The simple settings (numbers, strings, lists of them) and the project's
    templates: whatever a page states from them, another value gives other
    keys. Objects are left out and templates are read by content, so every
    process of the same release with the same environment finds the same digest."""
    simple = {name: getattr(settings, name) for name in dir(settings) if name.isupper()}
    digest = hashlib.sha256(json.dumps(simple, sort_keys=True, default=lambda value: type(value).__name__).encode())
    for template_dir in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(Path(template_dir).rglob("*.html")):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def public_cache_version(request=None):
    """The current content version (one cache read, once per request when
    ``request`` is given)."""
    if request is not None and hasattr(request, "_public_cache_version"):
        return request._public_cache_version
    token = cache.get(VERSION_KEY)
    if token is None:  # first use, or the cache was emptied: start a version every process agrees on
        cache.add(VERSION_KEY, str(time.time_ns()), timeout=None)
        token = cache.get(VERSION_KEY) or "none"  # "none": the cache is down, nothing is stored anyway
    version = f"{token}-{_release_digest()}"
    if request is not None:
        request._public_cache_version = version
    return version


def public_cache_key(*parts, request=None):
    """A cache key for a public fragment: its name and what it varies on, under the current version."""
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()[:24]
    return f"public:{public_cache_version(request)}:{digest}"


def _new_version():
    cache.set(VERSION_KEY, str(time.time_ns()), timeout=None)


def public_cache_bump(**_signal_kwargs):
    """A new content version now, and again once the current transaction
    commits: a request that read the rows before the commit and cached them
    under the first new version is left behind too (signal receiver: sender,
    instance... are ignored)."""
    _new_version()
    transaction.on_commit(_new_version)
