"""A 100 MB manuscript streams to the storage: it never sits in memory."""

import hashlib
import tracemalloc

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import TemporaryUploadedFile

from accounts.tests.factories import UserFactory
from files.models import StoredFile
from files.services import stored_file_create

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
SIZE = 100 * MB
MEMORY_BUDGET = 20 * MB


@pytest.fixture
def big_upload(settings, tmp_path):
    """What Django hands a view after receiving a 100 MB PDF: a temporary file on disk."""
    settings.FILE_UPLOAD_MAX_BYTES = 200 * MB
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    upload = TemporaryUploadedFile("Gros manuscrit.pdf", "application/pdf", SIZE, None)
    digest = hashlib.sha256()
    chunk = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".ljust(MB, b"\x00")
    zeros = bytes(MB)
    for index in range(SIZE // MB):
        block = chunk if index == 0 else zeros
        upload.write(block)
        digest.update(block)
    upload.flush()
    upload.seek(0)
    yield upload, digest.hexdigest()
    upload.close()


@pytest.fixture(params=["local", "s3"])
def storage_kind(request):
    if request.param == "s3":
        request.getfixturevalue("s3_bucket")
        # Open the S3 connection (and load botocore's service models) before
        # measuring: that is a one-off per process, not a cost per upload.
        default_storage.exists("warm-up")
    return request.param


def test_a_100_mb_upload_streams_to_the_storage(storage_kind, big_upload):
    upload, checksum = big_upload
    user = UserFactory()

    tracemalloc.start()
    try:
        stored = stored_file_create(uploaded_file=upload, uploaded_by=user, role=StoredFile.Role.MANUSCRIPT)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < MEMORY_BUDGET, f"peak {peak / MB:.1f} MB"
    assert stored.size == SIZE and stored.checksum == checksum
    assert stored.file.name.endswith(".pdf")
    assert default_storage.size(stored.file.name) == SIZE
    # What the storage holds is what we hashed.
    stored_digest = hashlib.sha256()
    with default_storage.open(stored.file.name, "rb") as stored_bytes:
        for chunk in stored_bytes.chunks(MB):
            stored_digest.update(chunk)
    assert stored_digest.hexdigest() == checksum
    print(f"{storage_kind}: peak Python allocation {peak / MB:.1f} MB")  # noqa: T201 - shown with -s
