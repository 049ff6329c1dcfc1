"""Update the French catalogue from the code and templates, in one command.

The sources are already in French, so the catalogue maps French to French: a new
string gets msgstr = msgid (``msgen``), and a string whose wording changed (fuzzy
after ``msgmerge``) is reset to its new wording. A msgstr deliberately worded
differently from its msgid is kept. Then the .mo is compiled.
``core/tests/test_translations.py`` fails when this has not been run after a change.
"""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

# What makemessages reads: the project, not the virtualenv, tests or generated files.
MAKEMESSAGES_OPTIONS = {
    "locale": ["fr"],
    "ignore_patterns": [".venv", "artifacts", "staticfiles", "media", "node_modules", "tests", "bench", "conftest.py"],
    "add_location": "file",
    "verbosity": 0,
}


def catalogue_path(locale_dir: Path) -> Path:
    return locale_dir / "fr" / "LC_MESSAGES" / "django.po"


def _gettext_tool(tool: str, *args: str) -> str:
    """Run one of GNU gettext's tools (scripts/system-deps.sh installs them); its output."""
    path = shutil.which(tool)
    if path is None:
        raise CommandError(f"{tool} est introuvable : installez gettext (scripts/system-deps.sh).")
    return subprocess.run([path, *args], check=True, capture_output=True, text=True).stdout  # noqa: S603 — fixed arguments


def _msgids(po: Path, *flags: str) -> list[str]:
    """The msgids of the entries msgattrib selects with ``flags`` (the header excluded)."""
    out = _gettext_tool("msgattrib", *flags, "--no-wrap", str(po))
    return [m for m in re.findall(r'^msgid "(.*)"$', out, re.M) if m]


def catalogue_check(*, source_dir: Path) -> list[str]:
    """What the catalogue lacks: re-extract the strings of a copy of ``source_dir``
    and list those missing, untranslated or fuzzy. The project itself is not touched."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "src"
        shutil.copytree(
            source_dir,
            copy,
            ignore=shutil.ignore_patterns(".venv", ".git", "artifacts", "media", "staticfiles", "static", "node_modules", "__pycache__", "*.mo", "db.sqlite3*"),
        )
        cwd = os.getcwd()
        try:
            os.chdir(copy)
            with override_settings(LOCALE_PATHS=[copy / "locale"]):
                call_command("makemessages", **MAKEMESSAGES_OPTIONS)
        finally:
            os.chdir(cwd)
        po = catalogue_path(copy / "locale")
        untranslated = [f"non traduite : {m}" for m in _msgids(po, "--untranslated")]
        fuzzy = [f"floue (fuzzy) : {m}" for m in _msgids(po, "--only-fuzzy")]
        return untranslated + fuzzy


class Command(BaseCommand):
    help = "Met à jour le catalogue français (makemessages, msgstr = msgid, compilemessages)."

    def handle(self, *args, **options):
        call_command("makemessages", **MAKEMESSAGES_OPTIONS)
        po = str(catalogue_path(Path(settings.LOCALE_PATHS[0])))
        _gettext_tool("msgattrib", "--clear-fuzzy", "--empty", "--clear-previous", "-o", po, po)
        _gettext_tool("msgen", "-o", po, po)
        call_command("compilemessages", ignore_patterns=[".venv"], verbosity=0)
        self.stdout.write(f"Catalogue à jour : {po}")
