"""storage_file_response: the download of any FileField (invoices use it for
their own ``pdf`` field; file_response uses it for stored files)."""

import urllib.request
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponseRedirect

from files.services import storage_file_response

from . import samples

pytestmark = pytest.mark.django_db


def field_file(name):
    """A FieldFile of no particular model, on the default storage."""
    field = models.FileField(storage=default_storage)
    return FieldFile(instance=None, field=field, name=name)


def test_streams_any_field_file_with_the_given_name_and_type():
    content = samples.pdf_bytes("Facture")
    name = default_storage.save("invoices/2026/FACT-2026-0001.pdf", ContentFile(content))

    response = storage_file_response(
        field_file=field_file(name), filename="Facture n°1.pdf", content_type="application/pdf"
    )

    assert isinstance(response, FileResponse)
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''" + quote("Facture n°1.pdf")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    response.file_to_stream.close()


def test_inline_on_request():
    name = default_storage.save("x/plan.pdf", ContentFile(samples.pdf_bytes()))
    response = storage_file_response(
        field_file=field_file(name), filename="plan.pdf", content_type="application/pdf", inline=True
    )
    assert response["Content-Disposition"] == 'inline; filename="plan.pdf"'
    response.file_to_stream.close()


@pytest.mark.parametrize("name", ["", "invoices/2026/nowhere.pdf"])
def test_no_name_or_missing_bytes_is_a_404(name):
    with pytest.raises(Http404):
        storage_file_response(field_file=field_file(name), filename="a.pdf", content_type="application/pdf")


def test_s3_redirects_to_a_presigned_url_with_name_and_type(s3_bucket):
    content = samples.pdf_bytes("S3")
    name = default_storage.save("invoices/2026/AVOIR-2026-0001.pdf", ContentFile(content))

    response = storage_file_response(
        field_file=field_file(name), filename="AVOIR-2026-0001.pdf", content_type="application/pdf"
    )

    assert isinstance(response, HttpResponseRedirect)
    assert response["X-Content-Type-Options"] == "nosniff"
    with urllib.request.urlopen(response["Location"], timeout=10) as download:  # noqa: S310 - our emulator
        assert download.read() == content
        assert download.headers["Content-Disposition"] == 'attachment; filename="AVOIR-2026-0001.pdf"'
        assert download.headers["Content-Type"] == "application/pdf"
