from celery import current_app
from django.core.management.base import BaseCommand, CommandError

from core.outbox import outbox_relay


class Command(BaseCommand):
    help = (
        "Remet au broker Celery le travail différé qu'il n'a jamais reçu (broker en panne) ou perdu "
        "(worker tué) : tâches de la boîte d'envoi et e-mails restés en file. Idempotent ; tourne aussi "
        "chaque minute (Celery beat). Sans broker (mode embarqué), exécute ce travail sur place."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true",
            help="Tout reprendre sans attendre les délais (OUTBOX_RELAY_AFTER_SECONDS, "
                 "OUTBOX_REDISPATCH_AFTER_SECONDS), par exemple après une panne du broker.",
        )

    def handle(self, *args, **options):
        report = outbox_relay(grace=0, stale=0) if options["all"] else outbox_relay()
        verb = "exécuté(es) sur place" if current_app.conf.task_always_eager else "remis(es) au broker"
        summary = f"{report.tasks} tâche(s) et {report.emails} e-mail(s) {verb}"
        if report.given_up:
            self.stderr.write(self.style.WARNING(
                f"{report.given_up} élément(s) abandonné(s) après trop d'essais : voir l'administration."
            ))
        if report.broker_error:
            raise CommandError(f"Broker Celery injoignable ; {summary} avant l'erreur. Le reste attend le prochain passage.")
        self.stdout.write(self.style.SUCCESS(f"{summary}."))
