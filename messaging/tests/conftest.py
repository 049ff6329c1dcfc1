import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.tests.factories import AdminFactory, CorrectorFactory, UserFactory
from messaging import services

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def pdf(name="notes.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def exe_named_pdf(name="notes.pdf"):
    return SimpleUploadedFile(name, b"MZ\x90\x00" + b"\x00" * 500, content_type="application/pdf")


@pytest.fixture
def conversation(working_order):
    """The order's conversation: the client and the corrector."""
    return services.conversation_for_order(order=working_order)


@pytest.fixture
def direct(client_user):
    return services.conversation_start_direct(client=client_user, subject="Une question sur les délais")


@pytest.fixture
def other_client():
    return UserFactory()


@pytest.fixture
def other_corrector():
    return CorrectorFactory()


@pytest.fixture
def second_staff():
    return AdminFactory()
