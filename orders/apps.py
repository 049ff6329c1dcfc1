from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Commandes")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from core.public_cache import public_cache_bump
        from core.registry import (
            register_account_deletion,
            register_dashboard_section,
            register_demo_seeder,
            register_personal_data,
        )
        from files.models import StoredFile

        from . import account_deletion
        from .dashboard import orders_section
        from .demo import seed_demo_orders
        from .models import Order, OrderEvent, OrderRating, Service
        from .personal_data import anonymise_ratings, export_orders
        from .selectors import client_orders_changed, order_lists_changed, order_page_changed

        # The public pages' cached services, prices and forms follow a Service change (core.public_cache).
        post_save.connect(public_cache_bump, sender=Service, dispatch_uid="orders.public_cache")
        post_delete.connect(public_cache_bump, sender=Service, dispatch_uid="orders.public_cache_delete")

        # The staff board, the correctors' queues and loads follow every write of
        # orders and ratings (orders.selectors.order_lists_cached).
        for model in (Order, OrderRating):
            name = model._meta.label_lower
            post_save.connect(order_lists_changed, sender=model, dispatch_uid=f"orders.order_lists.{name}")
            post_delete.connect(order_lists_changed, sender=model, dispatch_uid=f"orders.order_lists_delete.{name}")
        # And the client's cached "Mes projets" (orders.selectors.client_orders_first_page).
        post_save.connect(client_orders_changed, sender=Order, dispatch_uid="orders.client_orders")
        post_delete.connect(client_orders_changed, sender=Order, dispatch_uid="orders.client_orders_delete")
        # And its cached page (orders.selectors.order_page_reads), with its files and history.
        for model in (Order, StoredFile, OrderEvent):
            name = model._meta.label_lower
            post_save.connect(order_page_changed, sender=model, dispatch_uid=f"orders.order_page.{name}")
            post_delete.connect(order_page_changed, sender=model, dispatch_uid=f"orders.order_page_delete.{name}")

        register_personal_data("orders", export=export_orders, anonymise=anonymise_ratings)
        register_demo_seeder("orders", seed_demo_orders)
        register_dashboard_section("orders", orders_section)
        # An account with work in progress is not deleted; its unpaid orders are cancelled (accounts asks).
        register_account_deletion(
            "orders", blockers=account_deletion.deletion_blockers, closes=account_deletion.deletion_closes,
            close=account_deletion.deletion_close, refused=account_deletion.deletion_refused,
        )
