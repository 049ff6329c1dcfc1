from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = _("Support")

    def ready(self):
        from core.registry import register_message_posted_hook

        from .services import ticket_on_message

        register_message_posted_hook("support", ticket_on_message)
