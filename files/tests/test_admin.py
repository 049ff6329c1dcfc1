import pytest
from django.contrib.admin.sites import site
from django.test import TestCase
from django.urls import reverse

from accounts.services import user_anonymise, user_export_data
from accounts.tests.factories import AdminFactory, CorrectorFactory, UserFactory
from files.models import StoredFile
from files.utils import clean_original_name, human_size

from .factories import StoredFileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(AdminFactory())
    return client


def test_changelist_costs_a_fixed_number_of_queries(admin_client, django_assert_max_num_queries):
    for _ in range(3):
        StoredFileFactory()
    url = reverse("admin:files_storedfile_changelist")
    with django_assert_max_num_queries(12):
        response = admin_client.get(url)
    assert response.status_code == 200
    StoredFileFactory.create_batch(5)
    with django_assert_max_num_queries(12):
        response = admin_client.get(url + "?q=auteur&role=MANUSCRIPT")
    assert response.status_code == 200


def test_change_page_download_and_no_delete(admin_client):
    stored = StoredFileFactory(original_name="Roman.pdf")
    change = admin_client.get(reverse("admin:files_storedfile_change", args=[stored.pk]))
    assert change.status_code == 200
    download_url = reverse("admin:files_storedfile_download", args=[stored.pk])
    assert download_url in change.content.decode()

    download = admin_client.get(download_url)
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="Roman.pdf"'
    # Consumed through the test client, which closes it without closing the
    # database connection (response.close() would, on MySQL).
    assert b"".join(download.streaming_content).startswith(b"%PDF-")

    model_admin = site._registry[StoredFile]
    request = type("Request", (), {"user": AdminFactory()})()
    assert not model_admin.has_delete_permission(request, stored)
    assert not model_admin.has_add_permission(request)
    delete = admin_client.get(reverse("admin:files_storedfile_delete", args=[stored.pk]))
    assert delete.status_code == 403


def test_download_needs_the_admin(client):
    stored = StoredFileFactory()
    client.force_login(CorrectorFactory())
    response = client.get(reverse("admin:files_storedfile_download", args=[stored.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_soft_delete_action_goes_through_the_service(admin_client):
    stored = StoredFileFactory()
    response = admin_client.post(
        reverse("admin:files_storedfile_changelist"),
        {"action": "soft_delete_files", "_selected_action": [str(stored.pk)]},
    )
    assert response.status_code == 302
    stored.refresh_from_db()
    assert stored.deleted_at is not None
    assert not stored.file.storage.exists(stored.file.name)  # the client commits


def test_rgpd_export_and_anonymisation():
    author = UserFactory()
    manuscript = StoredFileFactory(uploaded_by=author, original_name="Journal de Léa Martin.pdf")
    other = StoredFileFactory(original_name="Autre.pdf")

    exported = user_export_data(user=author)["files"]
    assert [item["name"] for item in exported] == ["Journal de Léa Martin.pdf"]
    assert exported[0]["sha256"] == manuscript.checksum

    with TestCase.captureOnCommitCallbacks(execute=True):
        user_anonymise(user=author, by=AdminFactory())
    manuscript.refresh_from_db()
    assert manuscript.original_name == "fichier.pdf" and manuscript.content_purged_at is not None
    assert not manuscript.file.storage.exists(manuscript.file.name)
    other.refresh_from_db()
    assert other.is_available and other.original_name == "Autre.pdf"


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 octet"), (812, "812 octets"), (1536, "1,5 Ko"), (50 * 1024**2, "50 Mo"), (1024**3, "1 Go"),
     (int(2.5 * 1024**3), "2,5 Go")],
)
def test_human_size(size, text):
    assert human_size(size) == text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("C:\\Documents\\Mémoires d'été.pdf", "Mémoires d'été.pdf"),
        ("../../etc/passwd", "passwd"),
        ("roman\x00.pdf\r\n", "roman.pdf"),
        ("", "fichier"),
        ("a" * 300 + ".docx", "a" * 250 + ".docx"),
    ],
)
def test_clean_original_name(raw, clean):
    assert clean_original_name(raw) == clean
