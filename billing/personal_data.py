"""The billing part of the RGPD export and anonymisation. Invoices and credit
notes stay (10-year legal retention) with the buyer snapshot they were issued
with; saved cards are personal data and are deactivated."""

from .models import CreditNote, Invoice, PaymentMethod
from .overview_cache import billing_changed


def export_billing(user):
    return {
        "invoices": [
            {"number": i.number, "issued_at": i.issued_at, "amount_ttc_cents": i.amount_ttc, "status": i.status}
            for i in Invoice.objects.filter(order__client=user).order_by("issued_at")
        ],
        "credit_notes": [
            {"number": c.number, "issued_at": c.issued_at, "amount_ttc_cents": c.amount_ttc, "invoice": c.invoice.number}
            for c in CreditNote.objects.filter(invoice__order__client=user).select_related("invoice")
        ],
        "saved_cards": [
            {"brand": m.brand, "last4": m.last4, "expires": f"{m.exp_month:02d}/{m.exp_year}", "active": m.is_active}
            for m in PaymentMethod.objects.filter(user=user)
        ],
    }


def anonymise_billing(user):
    PaymentMethod.objects.filter(user=user).update(is_active=False, is_default=False, fingerprint="")
    billing_changed(user_ids=[user.pk])  # a bare UPDATE sends no post_save
