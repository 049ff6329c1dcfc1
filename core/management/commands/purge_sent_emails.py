from django.core.management.base import BaseCommand

from core.emails import outbox_purge_sent


class Command(BaseCommand):
    help = "Supprime les e-mails envoyés plus anciens que OUTBOX_RETENTION_DAYS (aussi lancé chaque jour par Celery beat)."

    def handle(self, *args, **options):
        deleted = outbox_purge_sent()
        self.stdout.write(f"{deleted} e-mail(s) envoyé(s) supprimé(s).")
