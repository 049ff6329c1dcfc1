"""Rows the migrations write, written again for transactional tests (a
transactional test empties every table when it ends)."""

import importlib
from pathlib import Path

from django.apps import apps

import support.migrations
from support.models import TicketNumber


def migrated_rows():
    """The default consultation calendar (by the data migration's own code,
    whatever its number) and the ticket counter."""
    [path] = Path(support.migrations.__file__).parent.glob("*_consultation.py")
    importlib.import_module(f"support.migrations.{path.stem}").add_default_availability(apps, None)
    TicketNumber.objects.get_or_create(pk=1)
