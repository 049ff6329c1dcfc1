"""Demo billing: the demo orders that are paid get their invoice through the
simulator's signed events, and one more order is paid then refunded."""

from accounts.models import User
from orders.demo import demo_pdf
from orders.models import Order, Service
from orders.services import order_create

from . import simulator
from .models import Payment
from .payments import payment_refund, payment_start_checkout
from .tasks import issue_invoice_for_paid_order

DEMO_URL = "http://127.0.0.1:8000/billing/"


def _pay(order):
    payment_start_checkout(order=order, success_url=DEMO_URL, cancel_url=DEMO_URL)
    payment = order.payments.filter(status=Payment.Status.PENDING).latest("created_at")
    simulator.deliver(simulator.card_accepted_event(payment))
    payment.refresh_from_db()
    return payment


def seed_demo_billing():
    client = User.objects.get(email="user@example.com")
    # Orders the orders demo marked paid directly get their invoice too.
    for order in Order.objects.filter(client=client, paid_at__isnull=False, invoice__isnull=True):
        issue_invoice_for_paid_order(str(order.pk))
    if Order.objects.filter(client=client, title="Nouvelles du Vercors").exists():
        return  # idempotent
    admin = User.objects.get(email="admin@staka-editions.com")
    kdp = Service.objects.get(name="Pack KDP Autoédition")
    paid = order_create(client=client, service=kdp, title="Nouvelles du Vercors", manuscripts=[demo_pdf("vercors.pdf")])
    _pay(paid)
    refunded = order_create(
        client=client, service=Service.objects.get(name="Correction Standard"), title="Poèmes d'hiver",
        declared_pages=40, manuscripts=[demo_pdf("poemes.pdf")],
    )
    payment = _pay(refunded)
    payment_refund(payment=payment, amount=payment.amount_received, by=admin, reason="Commande annulée à la demande du client")
    assert Order.objects.get(pk=refunded.pk).status == Order.Status.ANNULEE
