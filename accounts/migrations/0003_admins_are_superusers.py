"""The ADMIN role grants the whole back office: is_superuser follows the role
(User.save). Admins created before got no model permission at all."""

from django.db import migrations


def follow_role(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.filter(role="ADMIN").update(is_superuser=True, is_staff=True)
    User.objects.exclude(role="ADMIN").update(is_superuser=False, is_staff=False)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_scrub_outbox_links")]

    operations = [migrations.RunPython(follow_role, migrations.RunPython.noop)]
