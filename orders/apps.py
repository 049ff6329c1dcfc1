from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Commandes")

    def ready(self):
        from core.registry import register_demo_seeder, register_personal_data

        from .demo import seed_demo_orders
        from .personal_data import export_orders

        register_personal_data("orders", export=export_orders)
        register_demo_seeder("orders", seed_demo_orders)
