"""Seed the award catalogue and the base salary table (see antq/awards/seed.py)."""

from django.db import migrations


def seed(apps, schema_editor):
    from antq.awards.seed import seed_awards

    seed_awards(apps)


class Migration(migrations.Migration):
    dependencies = [("awards", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
