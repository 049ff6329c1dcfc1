"""`manage.py anonymize_user EMAIL [--yes]`: the RGPD erasure (art. 17) of one
account, through the same service as the « Supprimer mon compte » page."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.services import user_anonymise, user_deletion_report

from .export_user_data import user_by_email


class Command(BaseCommand):
    help = ("Supprime un compte à la demande de son titulaire (RGPD, droit à l'effacement) : ses données "
            "personnelles sont effacées, ses factures conservées. Refusé tant qu'une commande est en cours ; "
            "les commandes non payées sont annulées. Demande confirmation, sauf avec --yes.")

    def add_arguments(self, parser):
        parser.add_argument("email", help="Adresse e-mail du compte.")
        parser.add_argument("--yes", action="store_true", help="Ne demande pas de confirmation.")

    def handle(self, *args, **options):
        user = user_by_email(options["email"])
        if user.is_admin:
            raise CommandError(f"{user.email} est administrateur : retirez-lui d'abord ce rôle dans le "
                               "back-office, puis relancez.")
        if not options["yes"] and not self._confirmed(user):
            raise CommandError("Suppression annulée : rien n'a changé.")
        email = user.email
        try:
            # The holder's own request, carried out by ops: done in their name,
            # as on the profile page (audit entry, team told of a refusal).
            user_anonymise(user=user, by=user)
        except ValidationError as error:
            raise CommandError(f"Suppression refusée : {' '.join(error.messages)}") from error
        self.stdout.write(self.style.SUCCESS(f"Compte {email} supprimé : données personnelles effacées, "
                                             "factures conservées."))

    def _confirmed(self, user):
        report = user_deletion_report(user=user)
        self.stdout.write(f"Compte : {user.get_full_name()} <{user.email}>")
        for line in report["blockers"]:
            self.stdout.write(f"  en cours (bloque la suppression) : {line}")
        for line in report["closes"]:
            self.stdout.write(f"  {line}")
        try:
            answer = input("Effacer définitivement ses données personnelles ? Tapez « oui » : ")
        except EOFError:  # no terminal to answer: not confirmed (--yes is for scripts)
            return False
        return answer.strip().lower() == "oui"
