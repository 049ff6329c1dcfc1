from django.conf import settings
from django.core.management.base import BaseCommand

from orders.services import orders_purge_old_files


class Command(BaseCommand):
    help = "Efface le contenu des fichiers des commandes terminées depuis N jours (les métadonnées restent)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.ORDER_FILE_RETENTION_DAYS)

    def handle(self, *args, days, **options):
        count = orders_purge_old_files(days=days)
        self.stdout.write(self.style.SUCCESS(f"{count} fichier(s) effacé(s)."))
