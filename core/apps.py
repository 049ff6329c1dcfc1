from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    # In the admin, core shows its outbox: the e-mails and deferred tasks waiting to leave.
    verbose_name = _("Journal et boîte d'envoi")

    def ready(self):
        from .audit import audit_anonymise_actor, audit_export_actor
        from .personal_data import erase_emails, export_emails
        from .registry import register_personal_data

        register_personal_data("emails", export=export_emails, anonymise=erase_emails)
        # Entries stay (what happened to what) without who-from-where.
        register_personal_data("audit", export=audit_export_actor, anonymise=audit_anonymise_actor)
