"""Billing test data: paid orders, payments and invoices issued through the
real services (so numbers, snapshots and lines are what production makes)."""

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from billing.invoicing import invoice_issue_for_order
from billing.models import Invoice, Payment
from orders import pricing
from orders.models import Order
from orders.tests.factories import ServiceFactory


class BuyerFactory(UserFactory):
    """A client whose name and address test the accents end to end."""

    first_name = "Hélène Bérénice"
    last_name = "Çà"
    company = "Éditions du Lilas"
    address = "3 rue des Lilas"
    postcode = "69001"
    city = "Lyon"
    country = "France"
    vat_number = "FR12345678901"
    phone = "06 12 34 56 78"


class PaidOrderFactory(factory.django.DjangoModelFactory):
    """An order as order_mark_paid leaves it (no manuscript: billing needs none).

    The price follows orders.pricing: 250 pages of a 2 € per-page service is
    240 paying pages, 480,00 €.
    """

    class Meta:
        model = Order

    client = factory.SubFactory(BuyerFactory)
    service = factory.SubFactory(ServiceFactory)
    title = "Le Grand Meaulnes"
    declared_pages = 250
    urgent = False
    status = Order.Status.PAYEE
    payment_status = "succeeded"
    estimated_price = factory.LazyAttribute(
        lambda o: pricing.quote_for(service=o.service, pages=o.declared_pages, urgent=o.urgent).total
    )
    final_price = factory.SelfAttribute("estimated_price")
    amount = factory.SelfAttribute("final_price")
    paid_at = factory.LazyFunction(timezone.now)


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    order = factory.SubFactory(PaidOrderFactory)
    provider = Payment.Provider.SIMULATOR
    checkout_session_id = factory.Sequence(lambda n: f"cs_test_{n:06d}")
    amount = factory.SelfAttribute("order.amount")
    amount_received = factory.SelfAttribute("amount")
    status = Payment.Status.SUCCEEDED
    method_label = "Visa •••• 4242"
    paid_at = factory.SelfAttribute("order.paid_at")


class InvoiceFactory(factory.django.DjangoModelFactory):
    """``InvoiceFactory(order=..., payment=..., **fields_to_force)``: issued by
    invoice_issue_for_order; extra fields (status, due_at...) are then forced
    with an UPDATE, as a test's time machine."""

    class Meta:
        model = Invoice

    order = factory.SubFactory(PaidOrderFactory)
    payment = None

    @classmethod
    def _create(cls, model_class, *, order, payment=None, **forced):
        invoice = invoice_issue_for_order(order=order, payment=payment)
        if forced:
            Invoice.objects.filter(pk=invoice.pk).update(**forced)
            invoice.refresh_from_db()
        return invoice
