from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Comptes")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from core.emails import register_email_context
        from core.registry import register_dashboard_section, register_demo_seeder, register_personal_data

        from . import audit
        from .auth import forget_cached_user
        from .dashboard import accounts_section
        from .demo import seed_demo_users
        from .emails import EMAIL_CONTEXTS
        from .personal_data import anonymise_login_records, export_profile

        register_personal_data("account", export=export_profile, anonymise=anonymise_login_records)
        register_demo_seeder("accounts", seed_demo_users)
        register_dashboard_section("accounts", accounts_section)
        audit.connect()
        post_save.connect(forget_cached_user, sender="accounts.User", dispatch_uid="forget-cached-user-saved")
        post_delete.connect(forget_cached_user, sender="accounts.User", dispatch_uid="forget-cached-user-deleted")
        for template, builder in EMAIL_CONTEXTS.items():
            register_email_context(template, builder)
