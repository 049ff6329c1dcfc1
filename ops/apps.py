from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """The ops commands that span every app (setup, doctor, backup, restore,
    legacy import, fake data at volume). The top layer: it may import any app,
    and no app imports it. No models."""

    name = "ops"
    verbose_name = _("Exploitation")
