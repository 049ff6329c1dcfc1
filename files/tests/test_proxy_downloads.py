"""Downloads handed to the proxy (FILES_ACCEL_REDIRECT): after the access
check, an empty response whose header names the file for nginx (or Apache's
X-Sendfile), with the headers the streamed response has."""

from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.urls import reverse

from accounts.tests.factories import UserFactory
from files.services import file_response, storage_file_response

from .factories import StoredFileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def behind_nginx(settings):
    settings.FILES_ACCEL_REDIRECT = "/protected-media/"
    settings.FILES_ACCEL_HEADER = "X-Accel-Redirect"


def field_file(name):
    field = models.FileField(storage=default_storage)
    return FieldFile(instance=None, field=field, name=name)


def test_the_proxy_sends_the_file_with_the_headers_of_the_streamed_response(behind_nginx, settings):
    stored = StoredFileFactory(original_name="Mémoires d'été.pdf")
    settings.FILES_ACCEL_REDIRECT = ""
    streamed = file_response(stored_file=stored)
    streamed.file_to_stream.close()
    settings.FILES_ACCEL_REDIRECT = "/protected-media/"

    response = file_response(stored_file=stored)

    assert not isinstance(response, FileResponse) and not response.streaming
    assert response.content == b""
    assert response["X-Accel-Redirect"] == "/protected-media/" + stored.file.name
    for header in ("Content-Type", "Content-Disposition", "X-Content-Type-Options", "Cache-Control"):
        assert response[header] == streamed[header], header
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''" + quote("Mémoires d'été.pdf")


def test_inline_and_apache_sendfile(settings, tmp_path):
    settings.FILES_ACCEL_REDIRECT = f"{settings.MEDIA_ROOT}/"
    settings.FILES_ACCEL_HEADER = "X-Sendfile"
    name = default_storage.save("invoices/2026/FACT-2026-0001.pdf", ContentFile(b"%PDF-1.4"))

    response = storage_file_response(field_file=field_file(name), filename="plan.pdf",
                                     content_type="application/pdf", inline=True)

    assert response["X-Sendfile"] == f"{settings.MEDIA_ROOT}/{name}"
    assert "X-Accel-Redirect" not in response
    assert response["Content-Disposition"] == 'inline; filename="plan.pdf"'


def test_the_key_is_percent_encoded_so_it_cannot_add_arguments_for_the_proxy(behind_nginx):
    name = default_storage.save("uploads/a b?x=1%2e.pdf", ContentFile(b"%PDF-1.4"))
    response = storage_file_response(field_file=field_file(name), filename="a.pdf", content_type="application/pdf")
    assert response["X-Accel-Redirect"] == "/protected-media/uploads/a%20b%3Fx%3D1%252e.pdf"


@pytest.mark.parametrize("name", [
    "../../etc/passwd", "uploads/../../etc/passwd", "/etc/passwd", "uploads//x.pdf", "uploads/./x.pdf",
    "uploads\\..\\x.pdf",
])
def test_a_name_that_could_leave_the_storage_is_never_handed_over(behind_nginx, name):
    default_storage.save("uploads/x.pdf", ContentFile(b"%PDF-1.4"))  # what "uploads/./x.pdf" would reach
    with pytest.raises(Http404):
        storage_file_response(field_file=field_file(name), filename="a.pdf", content_type="application/pdf")


def test_missing_bytes_are_still_a_404(behind_nginx):
    stored = StoredFileFactory()
    default_storage.delete(stored.file.name)
    with pytest.raises(Http404):
        file_response(stored_file=stored)


def test_the_access_check_runs_first(behind_nginx, client, delivered_order, client_user):
    manuscript = delivered_order.files.get(role="MANUSCRIPT")
    url = reverse("orders:file_download", args=[delivered_order.pk, manuscript.pk])

    client.force_login(UserFactory())
    refused = client.get(url)
    assert refused.status_code == 404 and "X-Accel-Redirect" not in refused

    client.force_login(client_user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/protected-media/" + manuscript.file.name
    assert response.content == b""
