from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Socle")

    def ready(self):
        # Connects the signal that marks an outbox task done when it succeeds.
        from . import outbox  # noqa: F401
