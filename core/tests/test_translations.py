"""The French catalogue holds every string of the code and templates (issue 9).

A string added or reworded without ``manage.py update_catalogue`` shows up here as
missing (untranslated after msgmerge) or fuzzy.
"""

import shutil
from pathlib import Path

import pytest
from django.conf import settings

from core.management.commands.update_catalogue import catalogue_check

pytestmark = pytest.mark.skipif(
    shutil.which("msgattrib") is None or shutil.which("xgettext") is None,
    reason="gettext absent (scripts/system-deps.sh l'installe ; la CI l'a toujours)",
)

BASE_DIR = Path(settings.BASE_DIR)


def test_catalogue_holds_every_string_translated():
    problems = catalogue_check(source_dir=BASE_DIR)
    assert problems == [], "Lancez `.venv/bin/python manage.py update_catalogue` :\n" + "\n".join(problems)


def test_check_reports_strings_missing_from_the_catalogue(tmp_path):
    # A copy of the project with one template string the catalogue does not have.
    src = tmp_path / "src"
    shutil.copytree(BASE_DIR / "locale", src / "locale")
    (src / "templates").mkdir()
    (src / "templates" / "new.html").write_text(
        '{% load i18n %}{% translate "Une phrase toute neuve" %}'
        "{% blocktranslate count n=3 %}{{ n }} fichier neuf{% plural %}{{ n }} fichiers neufs{% endblocktranslate %}"
    )
    problems = catalogue_check(source_dir=src)
    assert "non traduite : Une phrase toute neuve" in problems
    # msgmerge may guess a near entry for the plural one: reported as fuzzy, not silently kept.
    assert any(p.endswith(": %(n)s fichier neuf") for p in problems), problems
    assert len(problems) == 2


def test_check_reports_a_fuzzy_entry(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(BASE_DIR / "locale", src / "locale")
    (src / "app").mkdir()
    (src / "app" / "strings.py").write_text('from django.utils.translation import gettext as _\n_("Retour")\n')
    po = src / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    text = po.read_text()
    assert '\nmsgid "Retour"\nmsgstr "Retour"\n' in text
    po.write_text(text.replace('\nmsgid "Retour"\nmsgstr "Retour"\n', '\n#, fuzzy\nmsgid "Retour"\nmsgstr "Retour"\n'))
    assert catalogue_check(source_dir=src) == ["floue (fuzzy) : Retour"]
