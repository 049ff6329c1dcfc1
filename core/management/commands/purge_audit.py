from django.core.management.base import BaseCommand, CommandError

from core.audit import audit_purge


class Command(BaseCommand):
    help = "Supprime les entrées du journal d'audit plus anciennes que N jours (seul moyen d'en retirer) ; la purge est elle-même journalisée."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, required=True, metavar="JOURS",
                            help="âge minimal, en jours, des entrées à supprimer")
        parser.add_argument("--dry-run", action="store_true", help="compter sans rien supprimer")

    def handle(self, *args, older_than, dry_run, **options):
        if older_than < 1:
            raise CommandError("--older-than doit être un nombre de jours supérieur ou égal à 1.")
        count = audit_purge(older_than_days=older_than, dry_run=dry_run)
        if dry_run:
            self.stdout.write(f"{count} entrée(s) seraient supprimée(s) (simulation, rien n'est supprimé).")
        else:
            self.stdout.write(f"{count} entrée(s) supprimée(s).")
