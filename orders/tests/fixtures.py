"""Order fixtures shared by every app's tests (registered in the root conftest)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.tests.factories import AdminFactory, CorrectorFactory, UserFactory
from orders import services
from orders.demo import demo_pdf
from orders.tests.factories import ServiceFactory


@pytest.fixture
def client_user():
    return UserFactory()


@pytest.fixture
def corrector():
    return CorrectorFactory()


@pytest.fixture
def staff():
    return AdminFactory()


@pytest.fixture
def service():
    return ServiceFactory()


# What the order form's CGV box posts once ticked, for version 1 (the `terms` fixture).
TERMS_ACCEPTED = {"terms-accept": "on", "terms-version": 1}


def terms_publish(content="Article 1 — Objet."):
    """Publish a new version of the CGV through cms (which keeps each one)
    and return it."""
    from cms.models import Page
    from cms.services import page_publish

    page, _created = Page.objects.update_or_create(slug="cgv", defaults={
        "title": "Conditions générales de vente", "content": content, "type": Page.Type.LEGAL,
    })
    return page_publish(page=page).revisions.order_by("-number").first()


@pytest.fixture
def terms():
    """The CGV in force, version 1: nobody may order without them."""
    return terms_publish()


@pytest.fixture
def make_order(client_user, service):
    def make(**kwargs):
        fields = {"client": client_user, "service": service, "title": "Le Grand Meaulnes", "declared_pages": 250,
                  "manuscripts": [demo_pdf("manuscrit.pdf")], **kwargs}
        return services.order_create(**fields)
    return make


@pytest.fixture
def paid_order(make_order):
    order = make_order()
    return services.order_mark_paid(order=order, amount=order.price)


@pytest.fixture
def working_order(paid_order, corrector, staff):
    order = services.order_assign_corrector(order=paid_order, corrector=corrector, by=staff)
    return services.order_start(order=order, by=corrector)


@pytest.fixture
def delivered_order(working_order, corrector):
    services.order_add_deliverable(order=working_order, uploaded_file=demo_pdf("corrige.pdf"), by=corrector)
    return services.order_deliver(order=working_order, by=corrector)


def exe_named_pdf():
    return SimpleUploadedFile("roman.pdf", b"MZ\x90\x00" + b"\x00" * 500, content_type="application/pdf")
