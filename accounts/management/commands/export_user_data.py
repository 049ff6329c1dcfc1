"""`manage.py export_user_data EMAIL [--output FILE]`: the RGPD export
(art. 15 and 20) of one account, the same JSON as the profile page's download."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User, normalize_email
from accounts.services import user_export_data, user_export_json


def user_by_email(email):
    try:
        return User.objects.get(email=normalize_email(email))
    except User.DoesNotExist:
        raise CommandError(f"Aucun compte avec l'adresse {email}.") from None


class Command(BaseCommand):
    help = ("Exporte en JSON les données personnelles d'un compte (RGPD, droit d'accès et portabilité), "
            "comme le téléchargement de la page Profil. L'export est noté dans le journal d'audit.")

    def add_arguments(self, parser):
        parser.add_argument("email", help="Adresse e-mail du compte.")
        parser.add_argument("--output", "-o", metavar="FICHIER",
                            help="Écrit l'export dans ce fichier (sinon sur la sortie standard).")

    def handle(self, *args, **options):
        user = user_by_email(options["email"])
        body = user_export_json(user_export_data(user=user))
        if not options["output"]:
            self.stdout.write(body)
            return
        path = Path(options["output"])
        try:
            path.write_text(body + "\n", encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Impossible d'écrire {path} : {error.strerror}.") from error
        self.stderr.write(f"Données de {user.email} exportées dans {path}.")
