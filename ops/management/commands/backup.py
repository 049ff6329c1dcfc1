"""`manage.py backup`: write a backup, list them (--list) or apply the retention (--clean)."""

import json
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ops.backup import BackupError, backup_dir, clean_backups, create_backup, list_backups

CHECKSUM_LABELS = {"ok": "vérifiée", "mismatch": "SOMME FAUSSE", "missing": "non vérifiée (pas de .sha256)"}


def human_size(size):
    for unit in ("o", "Ko", "Mo", "Go"):
        if size < 1024 or unit == "Go":
            return f"{size:.0f} {unit}" if unit == "o" else f"{size:.1f} {unit}".replace(".", ",")
        size /= 1024


class Command(BaseCommand):
    help = (
        "Sauvegarde la base de données (gzip + somme SHA-256) dans BACKUP_DIR, et les médias avec --with-media. "
        "--list liste les sauvegardes, --clean supprime celles de plus de --keep-days jours."
    )

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--list", action="store_true", help="liste les sauvegardes (nom, taille, date, vérifiée ou non)")
        mode.add_argument("--clean", action="store_true",
                          help="supprime les sauvegardes plus anciennes que --keep-days jours (et leurs .sha256)")
        parser.add_argument("--name", metavar="NOM",
                            help="nom inséré dans le fichier : staka-NOM-AAAAmmjj-HHMMSS.sql.gz (lettres, chiffres, - et _)")
        parser.add_argument("--with-media", action="store_true",
                            help="archive aussi les médias (stockage local : .tar.gz ; S3 : inventaire JSON des objets)")
        parser.add_argument("--keep-days", type=int, default=30, metavar="JOURS",
                            help="avec --clean : âge au-delà duquel une sauvegarde est supprimée (30 par défaut)")
        parser.add_argument("--dry-run", action="store_true", help="avec --clean : affiche sans rien supprimer")
        parser.add_argument("--json", action="store_true", help="sortie JSON")

    def handle(self, *args, **options):
        if (options["list"] or options["clean"]) and (options["name"] or options["with_media"]):
            raise CommandError("--name et --with-media servent à créer une sauvegarde, pas avec --list ni --clean.")
        if options["dry_run"] and not options["clean"]:
            raise CommandError("--dry-run ne s'emploie qu'avec --clean.")
        try:
            if options["list"]:
                self.show_list(options["json"])
            elif options["clean"]:
                self.clean(options["keep_days"], options["dry_run"], options["json"])
            else:
                self.backup(options["name"], options["with_media"], options["json"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        except DatabaseError as error:
            raise CommandError(f"Base de données injoignable ou en erreur : {error}") from error

    def backup(self, label, with_media, as_json):
        if not as_json:
            self.stdout.write(f"Sauvegarde dans {backup_dir()}…")
        summary = create_backup(label=label, with_media=with_media, progress=None if as_json else self.progress())
        if as_json:
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
            return
        self.stdout.write(self.style.SUCCESS(
            f"Sauvegarde écrite : {summary['file']} ({human_size(summary['size'])}), somme dans {summary['file']}.sha256"
        ))
        media = summary["media"]
        if media and media["kind"] == "archive":
            self.stdout.write(self.style.SUCCESS(f"Médias archivés : {media['file']} ({media['files']} fichier(s))"))
        elif media:
            self.stdout.write(self.style.SUCCESS(
                f"Inventaire des médias S3 : {media['file']} ({media['objects']} objet(s)) — "
                "les fichiers eux-mêmes restent dans le bucket (activez son versionnage)."
            ))

    def progress(self):
        """A line every few seconds while a large dump is written (bytes before compression)."""
        last = time.monotonic()

        def report(written):
            nonlocal last
            if time.monotonic() - last >= 5:
                last = time.monotonic()
                self.stdout.write(f"  … {human_size(written)} exportés")

        return report

    def show_list(self, as_json):
        rows = list_backups()
        if as_json:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if not rows:
            self.stdout.write(f"Aucune sauvegarde dans {backup_dir()}.")
            return
        width = max(len(row["name"]) for row in rows)
        self.stdout.write(f"{'Fichier':<{width}}  {'Contenu':<11}  {'Taille':>9}  {'Date':<16}  État")
        for row in rows:
            created = timezone.localtime(parse_datetime(row["created"])).strftime("%d/%m/%Y %H:%M")
            state = CHECKSUM_LABELS[row["checksum"]]
            if row["checksum"] == "mismatch":
                state = self.style.ERROR(state)
            self.stdout.write(
                f"{row['name']:<{width}}  {row['kind']:<11}  {human_size(row['size']):>9}  {created:<16}  {state}"
            )

    def clean(self, keep_days, dry_run, as_json):
        removed = clean_backups(keep_days=keep_days, dry_run=dry_run)
        if as_json:
            self.stdout.write(json.dumps({"dry_run": dry_run, "keep_days": keep_days, "removed": removed}, indent=2))
            return
        verb = "serait supprimé" if dry_run else "supprimé"
        for path in removed:
            self.stdout.write(f"  {verb} : {path}")
        if dry_run:
            self.stdout.write(f"{len(removed)} fichier(s) seraient supprimés (simulation, rien n'est supprimé).")
        else:
            self.stdout.write(f"{len(removed)} fichier(s) de plus de {keep_days} jours supprimé(s).")
