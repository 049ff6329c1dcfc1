from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Contenus")

    def ready(self):
        from core.registry import register_terms_provider

        from .selectors import current_terms_revision

        register_terms_provider("cms", current_terms_revision)
