from django.core.management.base import BaseCommand

from billing.invoicing import invoices_mark_overdue


class Command(BaseCommand):
    help = "Passe en « En retard » les factures non payées dont l'échéance est dépassée (idempotent)."

    def handle(self, *args, **options):
        count = invoices_mark_overdue()
        self.stdout.write(self.style.SUCCESS(f"{count} facture(s) passée(s) en retard."))
