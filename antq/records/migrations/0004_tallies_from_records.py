"""Formerly counted existing records into the tallies; 0005 does it for every tally table."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("records", "0003_tallies")]
    operations: list[migrations.operations.base.Operation] = []
