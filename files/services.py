"""Every write on stored files goes through these functions (see DESIGN.md).

Who may read or delete a file is decided by the caller (orders, messaging):
these functions store, check and stream bytes.
"""

import logging
import posixpath
import sys
import uuid
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.http import content_disposition_header

from core.audit import Severity, audit_record

from .models import StoredFile
from .reader import DigestingReader
from .selectors import user_storage_used
from .utils import clean_original_name
from .validation import MANUSCRIPT_KINDS, check_quota, check_size, quota_applies, validate_upload

logger = logging.getLogger(__name__)

__all__ = [
    "file_response",
    "stored_file_create",
    "stored_file_purge_content",
    "stored_file_soft_delete",
    "storage_file_response",
    "user_storage_used",
]

# A presigned download link is handed to the browser at once: it only needs
# to live long enough for the redirect to be followed.
DOWNLOAD_URL_EXPIRY_SECONDS = 300


def stored_file_create(
    *, uploaded_file, uploaded_by, role, allowed=MANUSCRIPT_KINDS, description="", **extra_fields
):
    """Check an upload, stream it to the storage and record it.

    The bytes are written before the row (a long upload must not hold a
    database transaction open); if the row cannot be written they are
    deleted again. A caller that wraps this in its own transaction deletes
    ``stored.file`` itself if that transaction rolls back.
    ``extra_fields`` go to the model (e.g. ``order=order``). ``uploaded_by``
    is None for a visitor without an account (no quota: the public forms
    limit them by rate).
    """
    if role not in StoredFile.Role.values:
        raise ValueError(f"unknown role {role!r}")
    kind = validate_upload(uploaded_file=uploaded_file, allowed=allowed, user=uploaded_by)
    storage = StoredFile._meta.get_field("file").storage
    now = timezone.now()
    # Nothing of the user's name goes into the key: it may carry personal
    # data, and its extension is a claim, not a fact.
    key = f"uploads/{now:%Y}/{now:%m}/{uuid.uuid4().hex}.{kind.extension}"
    reader = DigestingReader(uploaded_file, name=key, content_type=kind.mime_type)
    try:
        name = storage.save(key, reader, max_length=StoredFile._meta.get_field("file").max_length)
    except BaseException:
        _delete_quietly(storage, key)
        raise
    try:
        with transaction.atomic():
            # The bytes actually stored are what counts, not the size announced.
            check_size(reader.size)
            if quota_applies(uploaded_by):
                # Two uploads racing past validate_upload(): count again while
                # holding the uploader's row.
                get_user_model().objects.select_for_update().filter(pk=uploaded_by.pk).exists()
                check_quota(user=uploaded_by, adding=reader.size)
            stored = StoredFile(
                original_name=clean_original_name(uploaded_file.name),
                file=name,
                mime_type=kind.mime_type,
                size=reader.size,
                category=kind.category,
                role=role,
                uploaded_by=uploaded_by,
                description=description.strip(),
                checksum=reader.checksum,
                **extra_fields,
            )
            stored.save()
    except BaseException:
        _delete_quietly(storage, name)
        raise
    logger.info("file %s stored (%s, %s bytes) by %s", stored.pk, kind.extension, stored.size,
                uploaded_by.pk if uploaded_by else "a visitor")
    return stored


def stored_file_soft_delete(*, stored_file, by, request=None):
    """Hide the file and remove its bytes once the transaction commits.

    The row stays (who sent what, when); it no longer counts in the quota.
    Calling it again does nothing (and records nothing).
    """
    with transaction.atomic():
        locked = StoredFile.objects.select_for_update().get(pk=stored_file.pk)
        if locked.deleted_at is None:
            now = timezone.now()
            locked.deleted_at = now
            fields = ["deleted_at", "updated_at"]
            if locked.content_purged_at is None:
                # The bytes go: content_purged_at always tells whether they exist.
                locked.content_purged_at = now
                fields.append("content_purged_at")
                _delete_on_commit(locked)
            locked.save(update_fields=fields)
            audit_record(action="file.delete", actor=by, target=locked, request=request,
                         severity=Severity.MEDIUM, details={"name": locked.original_name})
            logger.info("file %s deleted by %s", locked.pk, by.pk if by else None)
    stored_file.deleted_at = locked.deleted_at
    stored_file.content_purged_at = locked.content_purged_at
    return stored_file


def stored_file_purge_content(*, stored_file):
    """Remove the bytes (retention, RGPD) but keep the row and its metadata."""
    with transaction.atomic():
        locked = StoredFile.objects.select_for_update().get(pk=stored_file.pk)
        if locked.content_purged_at is None:
            locked.content_purged_at = timezone.now()
            locked.save(update_fields=["content_purged_at", "updated_at"])
            _delete_on_commit(locked)
            logger.info("file %s content purged", locked.pk)
    stored_file.content_purged_at = locked.content_purged_at
    return stored_file


def file_response(*, stored_file, inline=False):
    """The response that hands a stored file to a browser.

    The caller has already checked that the user may read the file.
    """
    if not stored_file.is_available:
        raise Http404("Ce fichier n'est plus disponible.")
    return storage_file_response(
        field_file=stored_file.file,
        filename=stored_file.original_name,
        content_type=stored_file.mime_type,
        inline=inline,
    )


def storage_file_response(*, field_file, filename, content_type, inline=False):
    """The response that hands any FileField's bytes to a browser.

    S3: a redirect to a presigned URL valid five minutes, which makes S3 send
    the right name and type. Local storage: with FILES_ACCEL_REDIRECT set, an
    empty response that tells the proxy in front (nginx) to send the file
    itself; without it (``make run``), the bytes stream through Django.
    Missing bytes are a 404. The caller has already checked access.
    """
    storage = field_file.storage
    name = field_file.name
    if not name:
        raise Http404("Ce fichier n'est plus disponible.")
    if _is_s3(storage):
        url = storage.url(
            name,
            parameters={
                "ResponseContentDisposition": content_disposition_header(not inline, filename),
                "ResponseContentType": content_type,
            },
            expire=DOWNLOAD_URL_EXPIRY_SECONDS,
        )
        response = HttpResponseRedirect(url)
    elif settings.FILES_ACCEL_REDIRECT:
        response = _proxy_file_response(storage=storage, name=name, filename=filename, content_type=content_type,
                                        inline=inline)
    else:
        try:
            content = storage.open(name, "rb")
        except FileNotFoundError as error:
            logger.error("bytes missing from the storage: %s", name)
            raise Http404("Ce fichier n'est plus disponible.") from error
        response = FileResponse(content, as_attachment=not inline, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _is_s3(storage):
    """Whether the storage is S3's, without importing boto3 into a server that
    stores on local disk: an S3 storage exists only once its module is loaded."""
    s3 = sys.modules.get("storages.backends.s3")
    return s3 is not None and isinstance(storage, s3.S3Storage)


def _proxy_file_response(*, storage, name, filename, content_type, inline):
    """An empty response whose FILES_ACCEL_HEADER names the file for the proxy.

    A slow download then holds an nginx connection, not a Python worker.
    The name comes from our own row, but it is still checked to stay inside
    the storage and percent-encoded: a ``?`` or ``%`` in it must not change
    what the proxy serves.
    """
    if not _is_plain_relative_path(name):
        logger.error("refused to hand an unsafe storage name to the proxy: %r", name)
        raise Http404("Ce fichier n'est plus disponible.")
    if not storage.exists(name):
        logger.error("bytes missing from the storage: %s", name)
        raise Http404("Ce fichier n'est plus disponible.")
    response = HttpResponse(content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    response[settings.FILES_ACCEL_HEADER] = settings.FILES_ACCEL_REDIRECT + quote(name, safe="/")
    return response


def _is_plain_relative_path(name):
    """True for ``uploads/2026/11/ab.pdf``; False for anything that could
    leave the storage's folder (``..``, an absolute path, a backslash)."""
    if "\\" in name or "\x00" in name or posixpath.isabs(name):
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))


def _delete_on_commit(stored_file):
    storage, name = stored_file.file.storage, stored_file.file.name
    # robust: a storage hiccup is logged, it does not turn a committed
    # deletion into an error page. The row says the bytes are gone.
    transaction.on_commit(lambda: storage.delete(name), robust=True)


def _delete_quietly(storage, name):
    try:
        storage.delete(name)
    except Exception:
        logger.exception("could not delete %s after a failed upload", name)
