"""Seed the national default rules (see antq/movement/seed.py for what is law and what is default)."""

from django.db import migrations


def seed(apps, schema_editor):
    from antq.movement.seed import seed_rules

    seed_rules(apps)


class Migration(migrations.Migration):
    dependencies = [("movement", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
