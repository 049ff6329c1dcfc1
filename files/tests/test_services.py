import hashlib
import re
from urllib.parse import quote

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404

from accounts.tests.factories import UserFactory
from files.models import StoredFile
from files.services import (
    file_response,
    stored_file_create,
    stored_file_purge_content,
    stored_file_soft_delete,
    user_storage_used,
)
from files.validation import IMAGE_KINDS

from . import samples
from .factories import StoredFileFactory

pytestmark = pytest.mark.django_db

KEY = re.compile(r"^uploads/\d{4}/\d{2}/[0-9a-f]{32}\.(\w+)$")


def test_the_file_is_stored_under_a_random_key_with_the_detected_extension(settings):
    content = samples.pdf_bytes("Mémoires")
    user = UserFactory()
    upload = samples.upload("C:\\Users\\Léa\\Mémoires d'été.docx", content, "text/html")

    stored = stored_file_create(uploaded_file=upload, uploaded_by=user, role=StoredFile.Role.MANUSCRIPT,
                                description="  Version finale ")

    match = KEY.match(stored.file.name)
    assert match and match.group(1) == "pdf"
    assert "moires" not in stored.file.name and "docx" not in stored.file.name
    assert stored.original_name == "Mémoires d'été.docx"  # basename only, shown to people
    assert (stored.mime_type, stored.category, stored.size) == ("application/pdf", "DOCUMENT", len(content))
    assert stored.checksum == hashlib.sha256(content).hexdigest()
    assert stored.description == "Version finale"
    assert (settings.MEDIA_ROOT / stored.file.name).read_bytes() == content
    assert stored.is_available and stored.extension == "pdf"
    assert user.uploaded_files.alive().get() == stored
    assert user_storage_used(user=user) == len(content)


def test_images_get_the_image_category():
    stored = stored_file_create(
        uploaded_file=samples.upload("portrait.JPEG", samples.image_bytes("JPEG")), uploaded_by=UserFactory(),
        role=StoredFile.Role.ATTACHMENT, allowed=IMAGE_KINDS,
    )
    assert stored.file.name.endswith(".jpg") and stored.category == "IMAGE" and stored.mime_type == "image/jpeg"


def test_no_orphan_bytes_when_the_row_cannot_be_written(settings):
    user = UserFactory()
    with pytest.raises(Exception):  # noqa: B017 - the database's own IntegrityError
        stored_file_create(
            uploaded_file=samples.upload("roman.pdf", samples.pdf_bytes()), uploaded_by=user,
            role=StoredFile.Role.MANUSCRIPT, is_public=None,
        )
    assert not StoredFile.objects.exists()
    assert [p for p in (settings.MEDIA_ROOT / "uploads").rglob("*") if p.is_file()] == []


def test_an_unknown_role_is_a_programming_error():
    with pytest.raises(ValueError):
        stored_file_create(uploaded_file=samples.upload("a.pdf", samples.pdf_bytes()), uploaded_by=UserFactory(),
                           role="SECRET")


def test_soft_delete_removes_the_bytes_on_commit_and_keeps_the_row(django_capture_on_commit_callbacks):
    stored = StoredFileFactory()
    name = stored.file.name
    assert default_storage.exists(name)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        stored_file_soft_delete(stored_file=stored, by=stored.uploaded_by)
    # Nothing is removed before the transaction commits (the callbacks: the
    # bytes' deletion, and the cached pages that offer the file forgotten).
    assert default_storage.exists(name) and callbacks
    for callback in callbacks:
        callback()
    assert not default_storage.exists(name)

    stored.refresh_from_db()
    assert stored.deleted_at is not None and not stored.is_available
    assert not StoredFile.objects.alive().exists() and StoredFile.objects.filter(pk=stored.pk).exists()
    assert user_storage_used(user=stored.uploaded_by) == 0

    deleted_at = stored.deleted_at
    with django_capture_on_commit_callbacks(execute=True) as again:
        stored_file_soft_delete(stored_file=stored, by=stored.uploaded_by)
    assert again == [] and StoredFile.objects.get(pk=stored.pk).deleted_at == deleted_at


def test_purge_removes_the_bytes_and_keeps_the_metadata(django_capture_on_commit_callbacks):
    stored = StoredFileFactory(original_name="Roman.pdf")
    name = stored.file.name
    with django_capture_on_commit_callbacks(execute=True):
        stored_file_purge_content(stored_file=stored)
    assert not default_storage.exists(name)
    stored.refresh_from_db()
    assert stored.content_purged_at is not None and stored.deleted_at is None
    assert (stored.original_name, stored.checksum) == ("Roman.pdf", stored.checksum)
    assert StoredFile.objects.alive().get() == stored  # still listed, no longer downloadable
    assert not StoredFile.objects.available().exists()
    with pytest.raises(Http404):
        file_response(stored_file=stored)


def test_file_response_streams_with_the_original_accented_name():
    content = samples.pdf_bytes()
    stored = StoredFileFactory(original_name="Mémoires d'été.pdf", content=content)

    response = file_response(stored_file=stored)

    assert isinstance(response, FileResponse) and response.streaming
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(len(content))
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''" + quote("Mémoires d'été.pdf")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    # Not response.close(): it sends request_finished, which closes the test's DB connection.
    response.file_to_stream.close()


def test_file_response_inline_and_ascii_names():
    stored = StoredFileFactory(original_name='plan "final".pdf')
    response = file_response(stored_file=stored, inline=True)
    assert response["Content-Disposition"] == 'inline; filename="plan \\"final\\".pdf"'
    response.file_to_stream.close()


def test_file_response_is_404_for_deleted_files_and_missing_bytes(django_capture_on_commit_callbacks):
    stored = StoredFileFactory()
    default_storage.delete(stored.file.name)  # lost outside the app
    with pytest.raises(Http404):
        file_response(stored_file=stored)
    with django_capture_on_commit_callbacks(execute=True):
        stored_file_soft_delete(stored_file=stored, by=stored.uploaded_by)
    with pytest.raises(Http404):
        file_response(stored_file=stored)


def test_the_stored_bytes_count_not_the_announced_size(settings):
    settings.FILE_UPLOAD_MAX_BYTES = 1024 * 1024
    upload = samples.upload("roman.pdf", samples.pdf_bytes() + bytes(2 * 1024 * 1024))
    upload.size = 1000  # a wrong size from some other code path
    with pytest.raises(ValidationError) as refused:
        stored_file_create(uploaded_file=upload, uploaded_by=UserFactory(), role=StoredFile.Role.MANUSCRIPT)
    assert refused.value.messages == ["Le fichier dépasse la taille maximale de 1 Mo."]
    assert not StoredFile.objects.exists()
    assert [p for p in (settings.MEDIA_ROOT / "uploads").rglob("*") if p.is_file()] == []
