from django.core.management.base import BaseCommand

from core.uploads import UPLOAD_TEMP_MAX_AGE, upload_temp_dir, upload_temp_purge


class Command(BaseCommand):
    help = (
        "Supprime les fichiers temporaires d'envoi abandonnés (requêtes interrompues) "
        f"non modifiés depuis {int(UPLOAD_TEMP_MAX_AGE.total_seconds() // 60)} minutes."
    )

    def handle(self, *args, **options):
        removed = upload_temp_purge()
        self.stdout.write(f"{removed} fichier(s) temporaire(s) supprimé(s) dans {upload_temp_dir()}.")
