"""What gunicorn's master loads before it forks the workers (gunicorn.conf.py,
preload_app): what every worker would otherwise load on its first requests,
each its own copy. Loaded once in the master, it is shared copy-on-write.

Nothing here may open a connection (database, Redis): the workers would
share its socket. core/tests/test_lazy_imports.py checks it.
"""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import storages
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation


def warm_up():
    # The URLconf imports every view module (and the admin's); a reverse()
    # fills the resolver's tables.
    reverse("core:landing")
    # The French catalogues (Django's and ours), parsed once.
    with translation.override(settings.LANGUAGE_CODE):
        translation.gettext("Accueil")
    # The file storage settings name: with S3, boto3 and botocore (~20 MB),
    # which every worker would otherwise import for its first file. Its
    # client connects on first use, per thread.
    storages["default"]
    # Our templates, compiled into the cached loader of the template engine.
    for folder in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(Path(folder).rglob("*.html")):
            try:
                get_template(str(path.relative_to(folder)))
            except (TemplateDoesNotExist, TemplateSyntaxError):
                pass  # a page that fails will say so when it is asked for
