"""`manage.py setup`: first installation and every upgrade, idempotent.

Each step looks at what is there before doing anything, so a second run
reports « déjà fait » everywhere and writes nothing.
"""

import contextlib
import getpass
import os
import shutil
import sys
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.management.commands.collectstatic import Command as CollectStatic
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from accounts.models import User
from accounts.services import user_create_admin
from cms.defaults import load_default_content
from ops.database import (
    TimezoneLoadError,
    database_error,
    database_label,
    load_timezone_tables,
    timezone_tables_loaded,
    unapplied_migrations,
)
from orders.defaults import load_default_services
from orders.models import Service

OK, ALREADY_DONE, WARNING = "ok", "déjà fait", "avertissement"
# What compilemessages must not walk into (it searches the whole tree for locale/ folders).
COMPILEMESSAGES_IGNORE = [".venv", ".git", "node_modules", "media", "staticfiles", "backups", "artifacts"]


@dataclass
class Step:
    status: str
    message: str


def step_migrate():
    pending = unapplied_migrations()
    if not pending:
        return Step(ALREADY_DONE, "base à jour, aucune migration en attente")
    call_command("migrate", interactive=False, verbosity=0)
    return Step(OK, f"{len(pending)} migration(s) appliquée(s)")


def step_timezones():
    if connection.vendor != "mysql":
        return None  # SQLite and others compute time zones in Python
    if timezone_tables_loaded():
        return Step(ALREADY_DONE, "tables des fuseaux horaires déjà chargées")
    try:
        load_timezone_tables()
    except TimezoneLoadError as error:
        return Step(WARNING, f"tables des fuseaux horaires absentes : {error}")
    return Step(OK, "tables des fuseaux horaires chargées (mysql_tzinfo_to_sql)")


def _stale_catalogues():
    stale = []
    for locale_dir in settings.LOCALE_PATHS:
        for po in Path(locale_dir).rglob("*.po"):
            mo = po.with_suffix(".mo")
            if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
                stale.append(po)
    return stale


def step_compile_messages():
    stale = _stale_catalogues()
    if not stale:
        return Step(ALREADY_DONE, "traductions déjà compilées")
    if shutil.which("msgfmt") is None:
        return Step(WARNING, "msgfmt introuvable : les traductions ne sont pas compilées (le site s'affiche mais "
                             "certains textes peuvent manquer). Installez gettext (apt install gettext) puis relancez.")
    # compilemessages searches locale/ folders from the current directory: start from the project's.
    with contextlib.chdir(settings.BASE_DIR):
        call_command("compilemessages", ignore_patterns=COMPILEMESSAGES_IGNORE, verbosity=0)
    return Step(OK, f"{len(stale)} catalogue(s) de traduction compilé(s)")


def step_collect_static():
    collector = CollectStatic(stdout=StringIO(), stderr=StringIO())
    collector.set_options(interactive=False, verbosity=0, link=False, clear=False, dry_run=False,
                          ignore_patterns=[], use_default_ignore_patterns=True, post_process=True)
    copied = len(collector.collect()["modified"])
    if not copied:
        return Step(ALREADY_DONE, f"fichiers statiques à jour dans {settings.STATIC_ROOT}")
    return Step(OK, f"{copied} fichier(s) statique(s) copié(s) dans {settings.STATIC_ROOT}")


def step_services():
    if Service.objects.exists():
        return Step(ALREADY_DONE, "des services existent, rien n'est ajouté")
    return Step(OK, f"{load_default_services()} service(s) par défaut créé(s)")


def step_content():
    created = load_default_content()
    if not created:
        return Step(ALREADY_DONE, "pages légales, FAQ et témoignages présents")
    return Step(OK, f"{created} page(s), question(s) de FAQ et témoignage(s) créés")


class _RetryPassword(Exception):
    """A password typed at the prompt was refused: ask again."""


def _about_the_address(error):
    """A refusal of the address (invalid, taken): asking the password again would not help."""
    return getattr(error, "code", None) in {"exists", "invalid"}


class Command(BaseCommand):
    help = (
        "Installe ou met à jour le site : vérifie la base de données, applique les migrations, charge les "
        "fuseaux horaires (MySQL/MariaDB), compile les traductions, collecte les fichiers statiques "
        "(production), crée le premier administrateur, les services, pages légales et FAQ par défaut. "
        "Sans effet quand tout est déjà fait : se relance sans risque."
    )
    # We check the database ourselves, with a clear message, before anything touches it.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--email", help="Adresse du premier administrateur (sinon STAKA_ADMIN_EMAIL, "
                                            "sinon demandée). Le mot de passe est demandé deux fois, ou lu "
                                            "dans STAKA_ADMIN_PASSWORD.")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive",
                            help="Ne pose aucune question (sans adresse ni mot de passe fournis, "
                                 "l'administrateur n'est pas créé).")
        parser.add_argument("--collectstatic", action="store_true",
                            help="Collecte les fichiers statiques même hors production.")

    def handle(self, *args, **options):
        label = database_label()
        error = database_error()
        if error:
            raise CommandError(
                f"Base de données injoignable ({label}) : {error}. Vérifiez DATABASE_URL et que le serveur "
                "est démarré, puis relancez.")
        self._line("Base de données", Step(OK, label))
        steps = [
            ("Migrations", step_migrate),
            ("Fuseaux horaires", step_timezones),
            ("Traductions", step_compile_messages),
        ]
        if settings.IS_PRODUCTION or options["collectstatic"]:
            steps.append(("Fichiers statiques", step_collect_static))
        steps += [
            ("Administrateur", lambda: self.step_admin(options)),
            ("Services", step_services),
            ("Contenu par défaut", step_content),
        ]
        results = []
        for name, step in steps:
            result = step()
            if result is not None:
                self._line(name, result)
                results.append(result)
        self._summary(results)

    def _line(self, name, step):
        style = {OK: self.style.SUCCESS, ALREADY_DONE: str, WARNING: self.style.WARNING}[step.status]
        self.stdout.write(style(f"  {step.status:<14}{name} : {step.message}"))

    def _summary(self, results):
        counts = {status: sum(r.status == status for r in results) for status in (OK, ALREADY_DONE, WARNING)}
        line = (f"Installation terminée : {counts[OK]} étape(s) effectuée(s), {counts[ALREADY_DONE]} déjà faite(s), "
                f"{counts[WARNING]} avertissement(s).")
        self.stdout.write(self.style.WARNING(line) if counts[WARNING] else self.style.SUCCESS(line))

    # --- The first administrator ---------------------------------------------

    def step_admin(self, options):
        if User.objects.filter(role=User.Role.ADMIN, is_active=True).exists():
            return Step(ALREADY_DONE, "un administrateur actif existe")
        email = options["email"] or os.environ.get("STAKA_ADMIN_EMAIL", "")
        password = os.environ.get("STAKA_ADMIN_PASSWORD", "")
        if password:
            return self._create_admin(email, password)
        if not options["interactive"] or not sys.stdin.isatty():
            return Step(WARNING, "aucun administrateur : relancez dans un terminal avec --email (mot de passe "
                                 "demandé), ou avec STAKA_ADMIN_EMAIL et STAKA_ADMIN_PASSWORD dans l'environnement.")
        email = email or input("Adresse e-mail du premier administrateur : ").strip()
        while True:
            password = getpass.getpass("Mot de passe : ")
            if password != getpass.getpass("Mot de passe (confirmation) : "):
                self.stderr.write("Les deux mots de passe diffèrent, recommencez.")
                continue
            try:
                return self._create_admin(email, password, retry=True)
            except _RetryPassword as refused:
                self.stderr.write(str(refused))

    def _create_admin(self, email, password, retry=False):
        if not email:
            raise CommandError("Adresse de l'administrateur manquante : --email ou STAKA_ADMIN_EMAIL.")
        try:
            user = user_create_admin(email=email, password=password)
        except ValidationError as error:
            message = " ".join(error.messages)
            if retry and not _about_the_address(error):
                raise _RetryPassword(f"Mot de passe refusé : {message}") from error
            raise CommandError(f"Administrateur non créé : {message}") from error
        return Step(OK, f"administrateur {user.email} créé")

