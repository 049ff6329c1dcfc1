from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from billing.stripe_sync import services_sync_to_stripe


class Command(BaseCommand):
    help = "Crée ou met à jour le produit et le prix Stripe de chaque service (archive l'ancien prix s'il a changé)."

    def handle(self, *args, **options):
        try:
            results = services_sync_to_stripe()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        for service, changes in results.items():
            self.stdout.write(f"  {service.name} : {', '.join(changes)}")
        self.stdout.write(self.style.SUCCESS(f"{len(results)} service(s) synchronisé(s)."))
