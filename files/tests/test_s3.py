"""Against a real S3 API (moto's server over HTTP): nothing of boto3 or ours is mocked."""

import hashlib
import urllib.request
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from botocore.exceptions import ClientError
from django.core.files.storage import default_storage
from django.http import HttpResponseRedirect
from storages.backends.s3 import S3Storage

from accounts.tests.factories import UserFactory
from files.models import StoredFile
from files.services import file_response, stored_file_create, stored_file_soft_delete
from files.validation import IMAGE_KINDS

from . import samples

pytestmark = pytest.mark.django_db


def test_the_default_storage_follows_the_settings(s3_bucket):
    assert isinstance(default_storage, S3Storage)
    storage = StoredFile._meta.get_field("file").storage
    assert isinstance(storage, S3Storage) and storage.bucket_name == s3_bucket
    assert (storage.default_acl, storage.querystring_auth, storage.querystring_expire) == (None, True, 300)
    assert storage.file_overwrite is False


def test_upload_download_and_delete_on_s3(s3_bucket, s3_client, s3_endpoint, django_capture_on_commit_callbacks):
    content = samples.pdf_bytes("S3")
    stored = stored_file_create(
        uploaded_file=samples.upload("Mémoires d'été.pdf", content, "text/html"),
        uploaded_by=UserFactory(),
        role=StoredFile.Role.MANUSCRIPT,
    )

    head = s3_client.head_object(Bucket=s3_bucket, Key=stored.file.name)
    assert head["ContentLength"] == len(content)
    assert head["ContentType"] == "application/pdf"  # detected, not the browser's claim
    assert stored.checksum == hashlib.sha256(content).hexdigest()
    grants = s3_client.get_object_acl(Bucket=s3_bucket, Key=stored.file.name)["Grants"]
    assert not [g for g in grants if "AllUsers" in g["Grantee"].get("URI", "")]

    response = file_response(stored_file=stored)

    assert isinstance(response, HttpResponseRedirect) and response.status_code == 302
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    url = response["Location"]
    assert url.startswith(s3_endpoint + "/")
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["300"] and query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    with urllib.request.urlopen(url, timeout=10) as download:  # noqa: S310 - our emulator
        assert download.read() == content
        assert download.headers["Content-Disposition"] == "attachment; filename*=utf-8''" + quote("Mémoires d'été.pdf")
        assert download.headers["Content-Type"] == "application/pdf"

    with django_capture_on_commit_callbacks(execute=True):
        stored_file_soft_delete(stored_file=stored, by=stored.uploaded_by)
    with pytest.raises(ClientError) as missing:
        s3_client.head_object(Bucket=s3_bucket, Key=stored.file.name)
    assert missing.value.response["Error"]["Code"] == "404"


def test_inline_response_on_s3(s3_bucket):
    stored = stored_file_create(
        uploaded_file=samples.upload("couverture.png", samples.image_bytes()), uploaded_by=UserFactory(),
        role=StoredFile.Role.ATTACHMENT, allowed=IMAGE_KINDS,
    )
    url = file_response(stored_file=stored, inline=True)["Location"]
    with urllib.request.urlopen(url, timeout=10) as download:  # noqa: S310
        assert download.headers["Content-Disposition"] == 'inline; filename="couverture.png"'
        assert download.headers["Content-Type"] == "image/png"
