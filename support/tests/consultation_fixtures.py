"""Rows the migrations write, written again for transactional tests (a
transactional test empties every table when it ends)."""

import importlib

from django.apps import apps

from support.models import TicketNumber


def migrated_rows():
    """The default consultation calendar and the ticket counter."""
    importlib.import_module("support.migrations.0003_consultation").add_default_availability(apps, None)
    TicketNumber.objects.get_or_create(pk=1)
