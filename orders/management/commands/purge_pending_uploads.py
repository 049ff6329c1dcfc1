from django.core.management.base import BaseCommand

from orders.pending_uploads import pending_uploads_purge


class Command(BaseCommand):
    help = "Supprime les manuscrits gardés pour un formulaire de commande jamais renvoyé (aussi chaque jour par Celery beat)."

    def handle(self, *args, **options):
        count = pending_uploads_purge()
        self.stdout.write(self.style.SUCCESS(f"{count} fichier(s) en attente supprimé(s)."))
