from django.core.management.base import BaseCommand

from cms.services import pages_publish_due


class Command(BaseCommand):
    help = "Publie les pages programmées dont la date est arrivée (idempotent)."

    def handle(self, *args, **options):
        self.stdout.write(self.style.SUCCESS(f"{pages_publish_due()} page(s) publiée(s)."))
