from django.db import migrations


def create_counter(apps, schema_editor):
    apps.get_model("support", "TicketNumber").objects.get_or_create(pk=1, defaults={"last": 1000})


class Migration(migrations.Migration):
    """The one row of the ticket counter (support.services locks it)."""

    dependencies = [("support", "0001_initial")]

    operations = [migrations.RunPython(create_counter, migrations.RunPython.noop)]
