from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = _("Support")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from core.emails import register_email_attachments, register_email_context
        from core.registry import (
            register_conversation_url,
            register_dashboard_section,
            register_demo_seeder,
            register_message_posted_hook,
            register_personal_data,
        )

        from . import consultation
        from .dashboard import support_section, top_clients_section
        from .demo import seed_demo_support
        from .models import Ticket
        from .personal_data import anonymise_tickets, export_tickets
        from .selectors import desk_changed
        from .services import reply_email_context, ticket_conversation_url, ticket_on_message

        post_save.connect(desk_changed, sender=Ticket, dispatch_uid="support.desk_changed")
        post_delete.connect(desk_changed, sender=Ticket, dispatch_uid="support.desk_deleted")
        register_message_posted_hook("support", ticket_on_message)
        register_conversation_url("support", ticket_conversation_url)
        register_email_context("support_reply_visitor", reply_email_context)
        register_personal_data("support_tickets", export=export_tickets, anonymise=anonymise_tickets)
        register_demo_seeder("support", seed_demo_support)
        register_dashboard_section("support", support_section)
        register_dashboard_section("top_clients", top_clients_section)
        register_personal_data("consultations", export=consultation.export_bookings,
                               anonymise=consultation.anonymise_bookings)
        # The consultation e-mail's cancel link and .ics are made at send time.
        for template, builder in consultation.EMAIL_CONTEXTS.items():
            register_email_context(template, builder)
        for template, builder in consultation.EMAIL_ATTACHMENTS.items():
            register_email_attachments(template, builder)
