from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Facturation")

    def ready(self):
        from core.registry import (
            register_dashboard_section,
            register_demo_seeder,
            register_order_purge_hook,
            register_personal_data,
            register_saved_card_check,
        )

        from . import checks  # noqa: F401 — registers the system checks
        from .cards import user_has_saved_card
        from .dashboard import billing_section
        from .demo import seed_demo_billing
        from .housekeeping import payments_delete_for_abandoned_order
        from .personal_data import anonymise_billing, export_billing

        register_personal_data("billing", export=export_billing, anonymise=anonymise_billing)
        register_demo_seeder("billing", seed_demo_billing)
        register_dashboard_section("billing", billing_section)
        register_order_purge_hook("billing", payments_delete_for_abandoned_order)
        # The order page offers to pay with a saved card only when there is one.
        register_saved_card_check("billing", user_has_saved_card)
