"""Billing's part of other apps' housekeeping (registered in apps.py)."""

import logging

from .models import Payment

logger = logging.getLogger(__name__)

# Checkouts opened and left: no money moved.
MONEYLESS_STATUSES = (Payment.Status.PENDING, Payment.Status.FAILED, Payment.Status.EXPIRED)


def payments_delete_for_abandoned_order(*, order):
    """An abandoned order is purged: its checkouts that took no money go too.

    A payment that received money (succeeded, refunded) stays, and its
    PROTECT foreign key then keeps the order: real money is never abandoned.
    """
    deleted, _by_model = Payment.objects.filter(order=order, status__in=MONEYLESS_STATUSES).delete()
    if deleted:
        logger.info("order %s purged: %s unpaid payment(s) removed", order.pk, deleted)
