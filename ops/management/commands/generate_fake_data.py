import json
import random
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ops.fake_data import DEFAULT_VOLUME, EMAIL_DOMAIN, FAKE_PASSWORD, FakeData, summary_lines, volume_for
from ops.progress import format_count

NO_BREAK_SPACE = "\u00a0"
HELP_COUNTS = {
    "clients": "Nombre de clients (comptes USER)", "correctors": "Nombre de correcteurs",
    "staff": "Nombre de membres de l'équipe (ADMIN)", "orders": "Nombre de commandes, dans tous les statuts",
    "conversations": "Nombre de conversations (commandes, directes, tickets)",
    "messages": "Nombre de messages, répartis dans les conversations", "notifications": "Nombre de notifications",
    "files": "Nombre de fichiers (métadonnées seulement, sans contenu)",
    "invoices": "Nombre de factures (des commandes payées)", "tickets": "Nombre de tickets de support",
    "audit": "Nombre d'entrées du journal d'audit",
}


class Command(BaseCommand):
    help = (
        "Ajoute des données fictives réalistes en volume, pour les mesures de performance (insertions par lots, "
        f"sans services ni signaux). Tous les comptes fictifs ont le mot de passe « {FAKE_PASSWORD} ». "
        "Chaque lancement ajoute ses propres lignes (e-mails client-<lancement>-<n>@example.test). "
        "Exemples : --scale 0.01 (petit jeu), --scale 1 --bench-fixtures (volume complet du ticket 13)."
    )

    def add_arguments(self, parser):
        for name, text in HELP_COUNTS.items():
            full = format_count(DEFAULT_VOLUME[name]).replace(" ", NO_BREAK_SPACE)  # "20 000" stays on one line
            parser.add_argument(f"--{name}", type=int, metavar="N", help=f"{text} (volume complet : {full}).")
        parser.add_argument("--scale", type=float, metavar="F",
                            help="Multiplie le jeu complet (1 = volume du ticket 13, 0.01 = petit jeu) ; "
                                 "les nombres donnés explicitement l'emportent.")
        parser.add_argument("--bench-fixtures", action="store_true",
                            help="Crée aussi les comptes nommés que mesure le banc d'essai (bench-client, "
                                 "bench-corrector, bench-admin…) s'ils n'existent pas.")
        parser.add_argument("--seed", type=int, help="Graine du hasard : la même graine sur une base dans le même état redonne "
                                 "les mêmes données (affichée à chaque lancement).")
        parser.add_argument("--batch-size", type=int, default=5000, metavar="B",
                            help="Lignes par insertion (défaut : 5000).")
        parser.add_argument("--json", action="store_true", help="Écrit le bilan en JSON (la progression va sur stderr).")
        parser.add_argument("--i-know-this-is-production", action="store_true",
                            help="Autorise l'exécution avec les réglages de production (comptes au mot de passe connu !).")

    def handle(self, *args, **options):
        if settings.IS_PRODUCTION and not options["i_know_this_is_production"]:
            raise CommandError(
                "Refus : réglages de production. Les comptes fictifs ont tous le même mot de passe, connu. "
                "Relancez avec --i-know-this-is-production si c'est vraiment voulu."
            )
        counts = self._counts(options)
        seed = options["seed"] if options["seed"] is not None else random.SystemRandom().randrange(10**9)
        progress_out = self.stderr if options["json"] else self.stdout
        started = time.monotonic()
        run = FakeData(stdout=progress_out, seed=seed, batch_size=options["batch_size"])
        progress_out.write(f"Lancement n° {run.run}, graine {seed}.")
        run.generate(counts)
        bench = run.bench_fixtures() if options["bench_fixtures"] else None
        elapsed = time.monotonic() - started
        tables = run.finish()
        if options["json"]:
            self.stdout.write(json.dumps({
                "run": run.run, "seed": seed, "seconds": round(elapsed, 2), "password": FAKE_PASSWORD,
                "tables": {name: {"rows": report.rows, "seconds": round(report.seconds, 2),
                                  "rows_per_second": round(report.rate)} for name, report in tables.items()},
                "bench_fixtures": bench,
            }, ensure_ascii=False))
            return
        self.stdout.write("Lignes créées :")
        for line in summary_lines(tables, elapsed):
            self.stdout.write(line)
        self.stdout.write(f"Mot de passe de tous les comptes fictifs : {FAKE_PASSWORD} "
                          f"(ex. client-{run.run}-1@{EMAIL_DOMAIN})." if counts["clients"] else
                          f"Mot de passe de tous les comptes fictifs : {FAKE_PASSWORD}.")
        if bench:
            self.stdout.write(
                f"Comptes de mesure (mot de passe {FAKE_PASSWORD}) :\n"
                f"  client     {bench['client']} ({bench['client_orders']} commandes, "
                f"{bench['client_notifications']} notifications, conversation de 2 000 messages : "
                f"{bench['long_conversation']})\n"
                f"  correcteur {bench['corrector']} ({bench['corrector_orders']} commandes en main)\n"
                f"  équipe     {bench['admin']} ({bench['backlog']} commandes payées à affecter)"
            )
        self.stdout.write(self.style.SUCCESS(f"Données fictives ajoutées (lancement n° {run.run}, graine {seed})."))

    def _counts(self, options):
        given = {name: options[name] for name in DEFAULT_VOLUME}
        if options["scale"] is None and all(value is None for value in given.values()) \
                and not options["bench_fixtures"]:
            raise CommandError("Indiquez un volume : --scale F (ex. --scale 0.01) ou des nombres (--clients N ...).")
        if options["scale"] is not None and options["scale"] < 0:
            raise CommandError("--scale doit être positif.")
        if any(value is not None and value < 0 for value in given.values()):
            raise CommandError("Les nombres de lignes doivent être positifs.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size doit valoir au moins 1.")
        counts = volume_for(scale=options["scale"], given=given)
        if not counts["staff"] and any(counts.values()):
            counts["staff"] = 1  # someone of the team answers the threads and tickets
        needs = [
            ("orders", "clients", "--orders demande des clients (--clients)"),
            ("orders", "correctors", "--orders demande des correcteurs (--correctors)"),
            ("conversations", "clients", "--conversations demande des clients (--clients)"),
            ("messages", "conversations", "--messages demande des conversations (--conversations)"),
            ("notifications", "clients", "--notifications demande des clients (--clients)"),
            ("invoices", "orders", "--invoices demande des commandes (--orders)"),
        ]
        for wanted, needed, message in needs:
            if counts[wanted] and not counts[needed]:
                raise CommandError(message + ".")
        return counts
