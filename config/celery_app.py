"""Celery application (cookiecutter-django style).

Every setting lives in Django settings under the ``CELERY_`` namespace, so the
same code runs eagerly in-process (no REDIS_URL) or on real workers.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("staka")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
