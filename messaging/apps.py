from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messagerie")

    def ready(self):
        from core.registry import register_demo_seeder, register_personal_data

        from . import receivers  # noqa: F401 — connects the signal receivers
        from .demo import seed_demo_messages
        from .personal_data import anonymise_messages, export_messages

        register_personal_data("messages", export=export_messages, anonymise=anonymise_messages)
        register_demo_seeder("messaging", seed_demo_messages)
