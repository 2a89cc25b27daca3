"""Newest-first lists read each unit's records from an index on (unit, occurred_on DESC, number);
that index also serves lookups by unit, so the foreign key's own index is dropped after it exists."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('records', '0005_year_tallies'),
        ('units', '0003_unit_version'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='criminalcase',
            index=models.Index(fields=['unit', '-occurred_on', 'case_no', 'id', 'group', 'severity', 'cleared_on'], name='case_unit_newest'),
        ),
        migrations.AddIndex(
            model_name='trafficaccident',
            index=models.Index(fields=['unit', '-occurred_on', 'accident_no', 'id', 'mode'], name='accident_unit_newest'),
        ),
        migrations.AlterField(
            model_name='criminalcase',
            name='unit',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='criminal_cases', to='units.unit', verbose_name='unit'),
        ),
        migrations.AlterField(
            model_name='trafficaccident',
            name='unit',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='traffic_accidents', to='units.unit', verbose_name='unit'),
        ),
    ]
