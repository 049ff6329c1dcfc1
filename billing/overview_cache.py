"""The client's "Mes factures" opened as it usually is (no cursor in the
URL) is kept in the cache (billing.selectors.billing_overview_first_page)
until their billing changes: an order, invoice, credit note or card of theirs
written (signals, and the bare UPDATEs call billing_changed themselves), or
BILLING_SECONDS have passed, which bounds a write no one announces."""

from core import user_cache
from orders.models import Order

from .models import Invoice, PaymentMethod

BILLING = "billing"
BILLING_SECONDS = 60


def billing_changed(*, user_ids):
    user_cache.invalidate(BILLING, user_ids)


def billing_row_written(*, sender, instance, **_signal_kwargs):
    """An order, invoice, credit note or card was saved or deleted: its
    client's "Mes factures" is read afresh (signal receiver)."""
    if sender is Order:
        user_ids = [instance.client_id]
    elif sender is PaymentMethod:
        user_ids = [instance.user_id]
    elif sender is Invoice:
        user_ids = Order.objects.filter(pk=instance.order_id).values_list("client_id", flat=True)
    else:  # a CreditNote
        user_ids = Order.objects.filter(invoice=instance.invoice_id).values_list("client_id", flat=True)
    billing_changed(user_ids=list(user_ids))
