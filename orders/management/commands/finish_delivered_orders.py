from django.core.management.base import BaseCommand

from orders.services import orders_auto_finish


class Command(BaseCommand):
    help = "Valide les livraisons restées sans réponse du client depuis 7 jours (idempotent)."

    def handle(self, *args, **options):
        count = orders_auto_finish()
        self.stdout.write(self.style.SUCCESS(f"{count} commande(s) terminée(s)."))
