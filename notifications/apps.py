from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from core.registry import register_demo_seeder, register_personal_data

        from . import receivers  # noqa: F401 — connects the signal receivers
        from .demo import seed_demo_notifications
        from .personal_data import anonymise_notifications, export_notifications

        register_personal_data("notifications", export=export_notifications, anonymise=anonymise_notifications)
        register_demo_seeder("notifications", seed_demo_notifications)
