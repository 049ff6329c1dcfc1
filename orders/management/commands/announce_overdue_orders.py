from django.core.management.base import BaseCommand

from orders.services import orders_announce_overdue


class Command(BaseCommand):
    help = "Prévient le correcteur et l'équipe des commandes en retard (une fois par commande)."

    def handle(self, *args, **options):
        self.stdout.write(self.style.SUCCESS(f"{orders_announce_overdue()} commande(s) en retard signalée(s)."))
