from django.core.management.base import BaseCommand, CommandError

from billing.tasks import invoices_issue_missing


class Command(BaseCommand):
    help = (
        "Émet et envoie la facture de chaque commande payée qui n'en a pas (ou dont la facture n'a pas été "
        "envoyée) : le filet de sécurité du paiement. Idempotent ; tourne aussi toutes les 15 minutes (Celery beat)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than", type=int, default=None, metavar="SECONDES",
            help="Ne traiter que les paiements plus anciens que ce délai (défaut : INVOICE_SWEEP_AFTER_SECONDS, 600).",
        )

    def handle(self, *args, **options):
        if options["older_than"] is not None and options["older_than"] < 0:
            raise CommandError("--older-than doit être un nombre positif de secondes.")
        settled, failed = invoices_issue_missing(older_than=options["older_than"])
        if failed:
            raise CommandError(f"{settled} facture(s) émise(s) ou envoyée(s), {failed} échec(s) : voir les journaux.")
        self.stdout.write(self.style.SUCCESS(f"{settled} facture(s) émise(s) ou envoyée(s)."))
