"""The French catalogue holds every string of the code and templates (issue 9).

A string added or reworded without ``manage.py update_catalogue`` shows up here as
missing (untranslated after msgmerge) or fuzzy.
"""

import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from core.management.commands.update_catalogue import catalogue_check

needs_gettext = pytest.mark.skipif(
    shutil.which("msgattrib") is None or shutil.which("xgettext") is None,
    reason="gettext absent (scripts/system-deps.sh l'installe ; la CI l'a toujours)",
)

BASE_DIR = Path(settings.BASE_DIR)


@needs_gettext
def test_catalogue_holds_every_string_translated():
    problems = catalogue_check(source_dir=BASE_DIR)
    assert problems == [], "Lancez `.venv/bin/python manage.py update_catalogue` :\n" + "\n".join(problems)


@needs_gettext
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


@needs_gettext
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


# --- Every user-visible string of the templates goes through the catalogue ----

_NOT_TEXT = [
    r"{%\s*blocktranslate\b.*?{%\s*endblocktranslate\s*%}",
    r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}",
    r"{#.*?#}",
    r"<script\b.*?</script>",
    r"<style\b.*?</style>",
]
# Text left visible on purpose: the brand, a path.
_ALLOWED = {"· Staka Livres", "/accounts/profile/"}
_TEXT_ATTRIBUTES = r'\b(?:title|placeholder|aria-label|alt)="([^"{]*)"'
_LITERAL_ARGUMENTS = r'\w+[=:]"([^"]*)"'  # include ... with label="…", |default:"…"


def unmarked_strings(source: str) -> list[str]:
    """French text of a template not wrapped in translate/blocktranslate."""
    for pattern in _NOT_TEXT:
        source = re.sub(pattern, "", source, flags=re.S)
    found = [v for v in re.findall(_TEXT_ATTRIBUTES, source) if re.search(r"[^\W\d_]{2}", v)]
    for tag in re.findall(r"{%.*?%}|{{.*?}}", source, flags=re.S):
        # A sentence or an accented word, not an identifier such as action="upload-manuscript".
        found += [v for v in re.findall(_LITERAL_ARGUMENTS, tag) if re.search(r"[^\W\d_]{2}", v) and re.search(r"\s|[^\x00-\x7f]", v)]
    source = re.sub(r"{%.*?%}|{{.*?}}|<[^>]*>", "", source, flags=re.S)
    found += [line.strip() for line in source.splitlines() if re.search(r"[^\W\d_]{2}", line) and line.strip() not in _ALLOWED]
    return found


def test_templates_hold_no_unmarked_french():
    templates = [p for p in (BASE_DIR / "templates").rglob("*")
                 if p.suffix in {".html", ".txt"} and "admin" not in p.relative_to(BASE_DIR).parts]
    assert len(templates) > 80
    unmarked = {str(p.relative_to(BASE_DIR)): found for p in templates if (found := unmarked_strings(p.read_text()))}
    assert unmarked == {}


def test_unmarked_strings_finds_text_attributes_and_literal_arguments():
    source = (
        '{% load i18n %}<h1>Le projet</h1><p>{% translate "Marqué" %}</p><div aria-label="Avancement"></div>'
        '{% include "orders/_upload_form.html" with action="upload" label="Ajouter un fichier" %}'
        '{{ name|default:"pas encore désigné" }}{% blocktranslate %}Déjà {{ n }}{% endblocktranslate %}'
    )
    assert unmarked_strings(source) == ["Avancement", "Ajouter un fichier", "pas encore désigné", "Le projet"]
