"""`manage.py restore FILE`: check a backup completely, then replace the database with it."""

import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ops.backup import (
    BackupError,
    check_compatible,
    database_label,
    resolve_backup,
    restore_backup,
    table_row_counts,
    verify_backup,
)


class Command(BaseCommand):
    help = (
        "Restaure une sauvegarde de `backup` : vérifie d'abord le fichier entier (gzip, somme SHA-256, moteur), "
        "demande confirmation, remplace tout le contenu de la base, applique les migrations et affiche le "
        "nombre de lignes par table."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FICHIER",
                            help="chemin de la sauvegarde .sql.gz, ou son nom dans BACKUP_DIR")
        parser.add_argument("--yes", action="store_true", help="ne pas demander confirmation")
        parser.add_argument("--no-checksum", action="store_true",
                            help="accepter une sauvegarde sans fichier .sha256 (une somme fausse est toujours refusée)")

    def handle(self, *args, file, yes, no_checksum, **options):
        try:
            path = resolve_backup(file)
            self.stdout.write(f"Vérification de {path}…")
            header = verify_backup(path, check_checksum=not no_checksum)
            check_compatible(header)
            created = timezone.localtime(parse_datetime(header["created"])).strftime("%d/%m/%Y à %H:%M")
            self.stdout.write(f"Sauvegarde intacte ({header['engine']}, faite le {created}).")
            if not yes:
                self.confirm(database_label())
            self.stdout.write("Restauration…")
            restore_backup(path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        except DatabaseError as error:
            raise CommandError(f"Base de données injoignable ou en erreur : {error}") from error
        self.stdout.write("Migrations…")
        call_command("migrate", interactive=False, verbosity=1, stdout=self.stdout)
        self.show_counts()
        self.stdout.write(self.style.SUCCESS(f"Base restaurée depuis {path.name}."))

    def confirm(self, name):
        if not sys.stdin.isatty():
            raise CommandError("Confirmation impossible hors d'un terminal : relancez avec --yes.")
        self.stdout.write(self.style.WARNING(
            f"Tout le contenu de la base « {name} » va être remplacé par la sauvegarde."
        ))
        answer = input(f"Tapez le nom de la base ({name}) pour confirmer : ")
        if answer.strip() != name:
            raise CommandError("Restauration annulée : rien n'a été modifié.")

    def show_counts(self):
        counts = table_row_counts()
        width = max(map(len, counts), default=0)
        self.stdout.write("Lignes par table :")
        for table, count in counts.items():
            self.stdout.write(f"  {table:<{width}}  {count:>10}")
