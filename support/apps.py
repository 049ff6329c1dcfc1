from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = _("Support")

    def ready(self):
        from core.emails import register_email_attachments, register_email_context
        from core.registry import register_message_posted_hook

        from . import consultation
        from .services import ticket_on_message

        register_message_posted_hook("support", ticket_on_message)
        # The consultation e-mail's cancel link and .ics are made at send time.
        for template, builder in consultation.EMAIL_CONTEXTS.items():
            register_email_context(template, builder)
        for template, builder in consultation.EMAIL_ATTACHMENTS.items():
            register_email_attachments(template, builder)
