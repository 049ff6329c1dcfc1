from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.registry import DemoPartSkipped, demo_seeders


class Command(BaseCommand):
    help = "Crée ou met à jour les données de démonstration (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--i-know-this-is-production", action="store_true",
            help="Autorise l'exécution avec les réglages de production (comptes aux mots de passe faibles !).",
        )

    def handle(self, *args, **options):
        if settings.IS_PRODUCTION and not options["i_know_this_is_production"]:
            raise CommandError(
                "Refus : réglages de production. Les comptes de démonstration ont des mots de passe "
                "faibles. Relancez avec --i-know-this-is-production si c'est vraiment voulu."
            )
        # Registered bottom layer first, so each seeder finds what it builds on.
        # No transaction around them all: each service commits, so the work it
        # queues on commit (invoices, e-mails) happens as in real use. Seeders
        # are idempotent, so a run that failed is completed by the next one.
        left_out = []
        for name, seeder in demo_seeders.items():
            try:
                seeder()
            except DemoPartSkipped as skipped:
                left_out.append(name)
                self.stdout.write(self.style.WARNING(f"  {name} : incomplet — {skipped}"))
                continue
            except Exception as error:
                raise CommandError(
                    f"Démonstration incomplète : la partie « {name} » a échoué ({error}). Ce qui précède est "
                    "enregistré ; corrigez la cause puis relancez, la commande reprend où elle s'est arrêtée."
                ) from error
            self.stdout.write(f"  {name} : ok")
        if left_out:
            self.stdout.write(self.style.WARNING(
                f"Données de démonstration prêtes, sauf ce qui est signalé ci-dessus ({', '.join(left_out)})."
            ))
        else:
            self.stdout.write(self.style.SUCCESS("Données de démonstration prêtes."))
