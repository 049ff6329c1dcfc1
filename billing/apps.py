from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Facturation")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from core.registry import (
            register_dashboard_section,
            register_demo_seeder,
            register_order_purge_hook,
            register_personal_data,
            register_saved_card_check,
        )
        from orders.models import Order

        from . import checks  # noqa: F401 — registers the system checks
        from .cards import user_has_saved_card
        from .dashboard import billing_section
        from .demo import seed_demo_billing
        from .housekeeping import payments_delete_for_abandoned_order
        from .models import CreditNote, Invoice, PaymentMethod
        from .overview_cache import billing_row_written
        from .personal_data import anonymise_billing, export_billing

        register_personal_data("billing", export=export_billing, anonymise=anonymise_billing)
        register_demo_seeder("billing", seed_demo_billing)
        register_dashboard_section("billing", billing_section)
        register_order_purge_hook("billing", payments_delete_for_abandoned_order)
        # The order page offers to pay with a saved card only when there is one.
        register_saved_card_check("billing", user_has_saved_card)
        # "Mes factures" is cached per client (billing.selectors.billing_overview_first_page).
        for model in (Order, Invoice, CreditNote, PaymentMethod):
            name = model._meta.label_lower
            post_save.connect(billing_row_written, sender=model, dispatch_uid=f"billing.overview.{name}")
            post_delete.connect(billing_row_written, sender=model, dispatch_uid=f"billing.overview_delete.{name}")
