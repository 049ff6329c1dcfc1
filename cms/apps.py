from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Contenus")

    def ready(self):
        from core.registry import register_demo_seeder, register_terms_provider

        from .defaults import load_default_content
        from .selectors import current_terms_revision

        register_terms_provider("cms", current_terms_revision)
        register_demo_seeder("cms", load_default_content)
