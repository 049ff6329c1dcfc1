from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FilesConfig(AppConfig):
    name = "files"
    verbose_name = _("Fichiers")

    def ready(self):
        from core.registry import register_personal_data

        from .personal_data import anonymise_files, export_files

        register_personal_data("files", export=export_files, anonymise=anonymise_files)
