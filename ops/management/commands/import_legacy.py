import json
import os

from django.core.management.base import BaseCommand, CommandError

from ops.legacy.importer import SHOWN_PROBLEMS, LegacyImporter
from ops.legacy.reader import LEGACY_TABLES, LegacyDumpError, open_legacy_source
from ops.progress import format_count


class Command(BaseCommand):
    help = (
        "Importe la base de l'ancien système Staka Livres (Node/Prisma) : un export mysqldump (.sql ou .sql.gz) "
        "ou une base MySQL en service. Les identifiants d'origine sont conservés : relancer l'import met à jour "
        "sans rien dupliquer. Les utilisateurs gardent leur mot de passe."
    )

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--dump", metavar="FICHIER", help="Export mysqldump de l'ancienne base (.sql ou .sql.gz).")
        source.add_argument("--database-url", metavar="URL",
                            help="Ancienne base en service, lue sans la modifier : mysql://utilisateur:mdp@hôte/base.")
        parser.add_argument("--uploads-dir", metavar="DOSSIER",
                            help="Dossier « uploads » de l'ancien système (projects, orders, messages, invoices) : "
                                 "les fichiers et les PDF des factures y sont copiés. Sans lui, seules les "
                                 "métadonnées des fichiers sont importées.")
        parser.add_argument("--dry-run", action="store_true",
                            help="Tout importer dans une transaction annulée à la fin : le rapport sans rien écrire "
                                 "(aucun fichier n'est copié).")
        parser.add_argument("--json", action="store_true", help="Rapport en JSON sur la sortie standard.")

    def handle(self, *args, dump=None, database_url=None, uploads_dir=None, dry_run=False, json=False, **options):
        try:
            source = open_legacy_source(dump=dump, database_url=database_url)
        except LegacyDumpError as error:
            raise CommandError(str(error)) from None
        if uploads_dir and not os.path.isdir(uploads_dir):
            raise CommandError(f"Dossier introuvable : {uploads_dir}")
        # In JSON mode the progress goes to stderr: stdout is for the machine.
        importer = LegacyImporter(source, uploads_dir=uploads_dir, dry_run=dry_run,
                                  stdout=self.stderr if json else self.stdout)
        try:
            report = importer.run()
        except LegacyDumpError as error:
            raise CommandError(str(error)) from None
        if json:
            self.stdout.write(_json_dumps(report.as_dict()))
        else:
            self._print(report)

    def _print(self, report):
        write = self.stdout.write
        write("")
        write(self.style.MIGRATE_HEADING(
            "Import de l'ancien système" + (" — SIMULATION, rien n'a été écrit" if report.dry_run else "")))
        write(f"{'table':<22}{'lues':>10}{'créées':>10}{'mises à jour':>14}{'ignorées':>10}")
        for name in LEGACY_TABLES:
            table = report.tables[name]
            write(f"{name:<22}{format_count(table.read):>10}{format_count(table.created):>10}"
                  f"{format_count(table.updated):>14}{format_count(sum(table.skipped.values())):>10}")
        for name in LEGACY_TABLES:
            table = report.tables[name]
            if not (table.skipped or table.problems or table.notes):
                continue
            write("")
            write(self.style.MIGRATE_LABEL(name))
            for note in table.notes:
                write(f"  {note}")
            for reason, count in table.skipped.most_common():
                write(f"  ignorées : {format_count(count)} — {reason}")
            for where, message in table.problems[:SHOWN_PROBLEMS]:
                write(self.style.WARNING(f"  {where} : {message}"))
            if len(table.problems) > SHOWN_PROBLEMS:
                write(self.style.WARNING(f"  … et {len(table.problems) - SHOWN_PROBLEMS} autres (voir --json)"))
        if report.source_problems:
            write("")
            write(self.style.MIGRATE_LABEL("Source"))
            for where, message in report.source_problems:
                write(self.style.WARNING(f"  {where} : {message}"))
        write("")
        rate = f" ({format_count(round(report.rows_read / report.seconds))} lignes/s)" if report.seconds else ""
        summary = f"{format_count(report.rows_read)} lignes lues en {report.seconds:.1f} s{rate}"
        if report.problem_count:
            write(self.style.WARNING(f"{summary}, {format_count(report.problem_count)} signalements."))
        else:
            write(self.style.SUCCESS(f"{summary}, aucun signalement."))


def _json_dumps(data):
    return json.dumps(data, ensure_ascii=False, indent=2)
