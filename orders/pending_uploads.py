"""Manuscripts kept across a form error.

A file input cannot be refilled: when the order form comes back with an
error elsewhere, the manuscripts already received (and already checked by
content) are kept in the storage under ``pending-uploads/`` and referenced by
a signed token in a hidden field ("fichier déjà reçu : x.docx"). The token is
signed (it cannot point at another file) and expires; pending files are
deleted once the order is created, and a daily job removes the abandoned ones.

A visitor's order form also goes through here: its manuscripts wait under
``pending-uploads/`` until the task that creates the account and the order
(or e-mails the address's owner) takes them (orders.services).
"""

import logging
import uuid
from datetime import timedelta

from django.core import signing
from django.db import transaction
from django.utils import timezone

from files.models import StoredFile
from files.utils import clean_original_name

logger = logging.getLogger(__name__)

SALT = "orders.pending_upload"
MAX_AGE = timedelta(hours=6)
PREFIX = "pending-uploads"


def _storage():
    return StoredFile._meta.get_field("file").storage


def pending_upload_store(upload):
    """Store an upload that passed its checks; return (storage key, original name)."""
    upload.seek(0)
    key = f"{PREFIX}/{timezone.now():%Y%m%d}/{uuid.uuid4().hex}"
    return _storage().save(key, upload), clean_original_name(upload.name)


def pending_upload_keep(upload):
    """Store an upload that passed its checks; return its token."""
    key, name = pending_upload_store(upload)
    return signing.dumps({"key": key, "name": name}, salt=SALT)


def pending_upload_read(token):
    """(storage key, original name) of a valid token, else None."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    key = data.get("key", "")
    if not key.startswith(f"{PREFIX}/") or not _storage().exists(key):
        return None
    return key, data.get("name") or "manuscrit"


def pending_upload_open(key, name):
    """The kept file as an upload-like object (name, size, read, seek)."""
    storage = _storage()
    handle = storage.open(key, "rb")
    handle.name = name
    handle.size = storage.size(key)
    return handle


def pending_uploads_discard(keys):
    """Delete kept files once the order that copied them is committed."""
    storage = _storage()

    def delete():
        for key in keys:
            try:
                storage.delete(key)
            except OSError:
                logger.warning("pending upload %s not deleted; the daily purge will", key)

    transaction.on_commit(delete)


def pending_uploads_purge(*, now=None):
    """Delete the day folders of abandoned forms. Idempotent.

    A folder goes once its last possible file is MAX_AGE old, plus a day of
    grace for a visitor order whose task waits on a stopped worker."""
    storage = _storage()
    limit = ((now or timezone.now()) - MAX_AGE - timedelta(days=1)).strftime("%Y%m%d")
    try:
        days, _files = storage.listdir(PREFIX)
    except FileNotFoundError:
        return 0
    deleted = 0
    for day in days:
        if day >= limit:
            continue
        for name in storage.listdir(f"{PREFIX}/{day}")[1]:
            storage.delete(f"{PREFIX}/{day}/{name}")
            deleted += 1
    return deleted
