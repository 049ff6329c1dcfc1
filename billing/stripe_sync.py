"""Keep a Stripe product and price for each service (catalogue, reporting).

Checkout sends the order's own computed amount, so prices here never decide
what a client pays; they mirror the catalogue. A Stripe price cannot change
its amount: a new price is created and the old one archived.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from orders.models import Service

from .gateways import stripe_client


def _require_stripe():
    if not settings.STRIPE_SECRET_KEY:
        raise ImproperlyConfigured("Stripe n'est pas configuré (STRIPE_SECRET_KEY).")


def service_sync_to_stripe(*, service, client=None):
    """Create or update the service's product and price; return what changed.

    Under the service's row lock, re-read inside it: the action pressed twice
    (a double click, two staff) creates one product and one price, the second
    run finds them. A rare staff action, so holding one catalogue row while
    Stripe answers is acceptable (checkouts of that service wait seconds)."""
    _require_stripe()
    client = client or stripe_client()
    with transaction.atomic():
        service = Service.objects.select_for_update().get(pk=service.pk)
        return _sync(service, client)


def _sync(service, client):
    metadata = {"service_id": str(service.pk), "source": settings.STRIPE_METADATA_SOURCE}
    product_fields = {"name": service.name, "description": service.description[:500] or service.name,
                      "active": service.is_active, "metadata": metadata}
    changes = []
    if service.stripe_product_id:
        client.v1.products.update(service.stripe_product_id, product_fields)
        changes.append("produit mis à jour")
    else:
        service.stripe_product_id = client.v1.products.create(
            product_fields, {"idempotency_key": f"product-{service.pk}"}).id
        changes.append("produit créé")
    if service.stripe_price_amount != service.price or not service.stripe_price_id:
        price = client.v1.prices.create({
            "product": service.stripe_product_id, "currency": "eur", "unit_amount": service.price,
            "nickname": "par page" if service.is_per_page else "forfait", "metadata": metadata,
        })
        if service.stripe_price_id:
            client.v1.prices.update(service.stripe_price_id, {"active": False})
            changes.append("ancien prix archivé")
        service.stripe_price_id, service.stripe_price_amount = price.id, service.price
        changes.append("prix créé")
    Service.objects.filter(pk=service.pk).update(
        stripe_product_id=service.stripe_product_id, stripe_price_id=service.stripe_price_id,
        stripe_price_amount=service.stripe_price_amount,
    )
    return changes


def services_sync_to_stripe(*, queryset=None):
    _require_stripe()
    client = stripe_client()
    return {service: service_sync_to_stripe(service=service, client=client) for service in (queryset or Service.objects.all())}
