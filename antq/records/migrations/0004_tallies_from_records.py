"""Count the records already present into the new tallies."""

from django.db import migrations


def rebuild(apps, schema_editor):
    CriminalCase = apps.get_model("records", "CriminalCase")
    TrafficAccident = apps.get_model("records", "TrafficAccident")
    if CriminalCase.objects.exists() or TrafficAccident.objects.exists():
        from antq.records.tallies import tallies_rebuild

        tallies_rebuild()


class Migration(migrations.Migration):
    dependencies = [("records", "0003_tallies")]
    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]
