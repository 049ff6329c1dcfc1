"""`manage.py doctor [--json] [--send-test-to EMAIL]`: is this installation
healthy? One row per check (ops/doctor.py), exit code 1 on any error."""

import json

from django.core.management.base import BaseCommand

from ops.doctor import ERROR, OK, STATUS_LABELS, WARNING, overall_status, run_checks

HEADER = ("Vérification", "État", "Détail", "Comment corriger")


class Command(BaseCommand):
    help = (
        "Vérifie l'installation : base de données et migrations, encodage, fuseaux horaires MySQL, stockage "
        "des fichiers (et bucket S3 privé), broker et worker Celery, e-mail, clés Stripe, check --deploy, "
        "commandes en retard et tickets hors délai. Code de sortie 1 si une vérification est en erreur."
    )
    # The database may be down: doctor says so in its table instead of failing before it.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Sortie JSON (pour une supervision).")
        parser.add_argument("--send-test-to", metavar="EMAIL",
                            help="Envoie un vrai message de test à cette adresse par le back end configuré.")

    def handle(self, *args, **options):
        results = run_checks(send_test_to=options["send_test_to"])
        status = overall_status(results)
        if options["json"]:
            self.stdout.write(json.dumps({"status": status, "checks": [r.as_dict() for r in results]},
                                         ensure_ascii=False, indent=2))
        else:
            self._table(results)
            counts = {s: sum(r.status == s for r in results) for s in (OK, WARNING, ERROR)}
            line = (f"{len(results)} vérification(s) : {counts[OK]} ok, {counts[WARNING]} avertissement(s), "
                    f"{counts[ERROR]} erreur(s).")
            style = {OK: self.style.SUCCESS, WARNING: self.style.WARNING, ERROR: self.style.ERROR}[status]
            self.stdout.write(style(line))
        if status == ERROR:
            raise SystemExit(1)

    def _table(self, results):
        rows = [HEADER] + [(r.check, STATUS_LABELS[r.status], r.message, r.fix) for r in results]
        widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER) - 1)]
        styles = {OK: self.style.SUCCESS, WARNING: self.style.WARNING, ERROR: self.style.ERROR}
        for index, row in enumerate(rows):
            cells = [f"{cell:<{width}}" for cell, width in zip(row, widths, strict=False)]
            line = "  ".join([*cells, row[-1]]).rstrip()
            self.stdout.write(line if index == 0 else styles[results[index - 1].status](line))
