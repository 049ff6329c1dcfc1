"""Demo orders in different states, on the default services (orders.defaults)."""

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User

from . import services
from .defaults import load_default_services
from .models import Order, Service


def demo_pdf(name):
    # A small but real PDF, so the demo files download and open.
    body = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def seed_demo_orders():
    load_default_services()
    client = User.objects.get(email="user@example.com")
    corrector = User.objects.get(email="corrector@staka-editions.com")
    admin = User.objects.get(email="admin@staka-editions.com")
    if Order.objects.filter(client=client).exists():
        return  # idempotent: the demo orders are there already
    standard = Service.objects.get(name="Correction Standard")

    def new_order(title, service, pages, filename):
        return services.order_create(
            client=client, service=service, title=title, declared_pages=pages,
            description="Un roman de démonstration.", manuscripts=[demo_pdf(filename)],
        )

    new_order("Les Saisons du Rhône", standard, 120, "les-saisons-du-rhone.pdf")  # awaiting payment

    paid = new_order("Mémoires d'un libraire", standard, 250, "memoires-d-un-libraire.pdf")
    paid = services.order_mark_paid(order=paid, amount=paid.price)
    paid = services.order_assign_corrector(order=paid, corrector=corrector, by=admin)
    services.order_start(order=paid, by=corrector)

    new_order("Carnets de voyage", Service.objects.get(name="Pack Intégral"), 80, "carnets-de-voyage.pdf")
