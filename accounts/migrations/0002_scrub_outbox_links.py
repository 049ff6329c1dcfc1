"""Outbox rows written before links were made at send time hold activation
and reset links in clear: keep only the user id they were for."""

from django.core import signing
from django.db import migrations
from django.utils.http import urlsafe_base64_decode

LINK_KEYS = {"activation": "activation_path", "password_reset": "reset_path"}


def _user_id(template, path):
    parts = [part for part in path.split("/") if part]
    try:
        if template == "activation":
            return signing.loads(parts[-1], salt="accounts.activation")["user"]
        return urlsafe_base64_decode(parts[-2]).decode()
    except Exception:  # noqa: BLE001 - a mangled link: drop it, keep nothing
        return None


def scrub(apps, schema_editor):
    OutboxEmail = apps.get_model("core", "OutboxEmail")
    for row in OutboxEmail.objects.filter(template__in=LINK_KEYS).iterator():
        path = row.context.get(LINK_KEYS[row.template])
        if not path:
            continue
        user_id = _user_id(row.template, path)
        row.context = {"user_id": user_id} if user_id else {}
        row.save(update_fields=["context"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("core", "0001_initial"),
    ]

    operations = [migrations.RunPython(scrub, migrations.RunPython.noop)]
