from django.core.management.base import BaseCommand

from orders.services import orders_purge_abandoned


class Command(BaseCommand):
    help = "Supprime les commandes de visiteurs jamais payées ni activées depuis 7 jours, fichiers compris."

    def handle(self, *args, **options):
        count = orders_purge_abandoned()
        self.stdout.write(self.style.SUCCESS(f"{count} commande(s) abandonnée(s) supprimée(s)."))
