"""Demo billing: the demo orders that are paid get their invoice, one more
order is paid through the simulator's signed events, and another is paid
then refunded.

Each part is judged by what it leaves (paid, refunded), not by whether its
order exists, so a run that stopped halfway is completed by the next one;
and each step is atomic, so a failure leaves no half-made order. The
payments need the local simulator: with Stripe or in production they are
skipped, and the seeder says so instead of reporting success.
"""

from django.db import transaction

from accounts.models import User
from core.registry import DemoPartSkipped
from orders.demo import demo_pdf
from orders.models import Order, Service
from orders.services import order_create

from . import simulator
from .gateways import simulator_enabled
from .models import Payment
from .payments import payment_refund, payment_start_checkout
from .tasks import issue_invoice_for_paid_order

DEMO_URL = "http://127.0.0.1:8000/billing/"
PAID_TITLE = "Nouvelles du Vercors"
REFUNDED_TITLE = "Poèmes d'hiver"
PAYMENTS_SKIPPED = (
    "commandes « Nouvelles du Vercors » et « Poèmes d'hiver » non créées : leurs paiements de démonstration "
    "passent par le simulateur de paiement, inactif ici (Stripe configuré ou réglages de production)"
)


def _pay(order):
    payment_start_checkout(order=order, success_url=DEMO_URL, cancel_url=DEMO_URL)
    payment = order.payments.filter(status=Payment.Status.PENDING).latest("created_at")
    simulator.deliver(simulator.card_accepted_event(payment))


def _paid_demo_order(*, client, title, create):
    """The demo order, created and paid in one transaction if it is not yet;
    an order left unpaid by an interrupted run is paid now."""
    with transaction.atomic():
        order = Order.objects.filter(client=client, title=title).first() or create()
        if order.status == Order.Status.EN_ATTENTE:
            _pay(order)
    return Order.objects.get(pk=order.pk)


def seed_demo_billing():
    """Raises DemoPartSkipped, after the invoices, when payments cannot be made."""
    client = User.objects.get(email="user@example.com")
    # Orders the orders demo marked paid directly get their invoice too.
    for order in Order.objects.filter(client=client, paid_at__isnull=False, invoice__isnull=True):
        issue_invoice_for_paid_order(str(order.pk))
    if not simulator_enabled():
        raise DemoPartSkipped(PAYMENTS_SKIPPED)
    admin = User.objects.get(email="admin@staka-editions.com")
    _paid_demo_order(client=client, title=PAID_TITLE, create=lambda: order_create(
        client=client, service=Service.objects.get(name="Pack KDP Autoédition"), title=PAID_TITLE,
        manuscripts=[demo_pdf("vercors.pdf")],
    ))
    refunded = _paid_demo_order(client=client, title=REFUNDED_TITLE, create=lambda: order_create(
        client=client, service=Service.objects.get(name="Correction Standard"), title=REFUNDED_TITLE,
        declared_pages=40, manuscripts=[demo_pdf("poemes.pdf")],
    ))
    payment = refunded.payments.filter(status=Payment.Status.SUCCEEDED).first()
    if payment is not None:
        payment_refund(payment=payment, amount=payment.amount_received - payment.amount_refunded, by=admin,
                       reason="Commande annulée à la demande du client")
