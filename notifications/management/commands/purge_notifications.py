from django.core.management.base import BaseCommand

from notifications.services import notifications_purge_expired


class Command(BaseCommand):
    help = "Supprime les notifications expirées (idempotent)."

    def handle(self, *args, **options):
        self.stdout.write(self.style.SUCCESS(f"{notifications_purge_expired()} notification(s) supprimée(s)."))
