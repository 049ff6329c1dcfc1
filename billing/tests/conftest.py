import subprocess

import pytest

from accounts.tests.factories import AdminFactory, CorrectorFactory, UserFactory
from orders.tests.factories import PackFactory

from .factories import BuyerFactory, InvoiceFactory, PaidOrderFactory, PaymentFactory
from .fake_stripe import FakeStripe


@pytest.fixture
def buyer():
    return BuyerFactory()


@pytest.fixture
def other_client():
    return UserFactory()


@pytest.fixture
def corrector_user():
    return CorrectorFactory()


@pytest.fixture
def staff_user():
    return AdminFactory()


@pytest.fixture
def billed_order(buyer, corrector_user):
    """A paid 250-page order (480,00 €) of ``buyer``, assigned to a corrector."""
    return PaidOrderFactory(client=buyer, corrector=corrector_user)


@pytest.fixture
def payment(billed_order):
    return PaymentFactory(order=billed_order)


@pytest.fixture
def invoice(billed_order, payment):
    return InvoiceFactory(order=billed_order, payment=payment)


@pytest.fixture
def pack_order(buyer):
    return PaidOrderFactory(client=buyer, service=PackFactory(name="Pack KDP Autoédition"), declared_pages=None)


@pytest.fixture
def pdf_text():
    """pdf_text(bytes): the text a reader sees (poppler's pdftotext), with the
    French narrow and no-break spaces made plain."""

    def extract(content):
        result = subprocess.run(
            ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"], input=content, capture_output=True, check=True
        )
        return result.stdout.decode().replace("\u202f", " ").replace("\u00a0", " ")

    return extract


WEBHOOK_SECRET = "whsec_test_fake"


@pytest.fixture(scope="session")
def fake_stripe():
    """A local fake of the Stripe API (billing/tests/fake_stripe.py)."""
    fake = FakeStripe().start()
    yield fake
    fake.stop()


@pytest.fixture
def stripe_mode(settings, fake_stripe):
    """Stripe is configured and talks to the fake API."""
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_fake"
    settings.STRIPE_API_BASE = fake_stripe.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    fake_stripe.reset()
    return fake_stripe
