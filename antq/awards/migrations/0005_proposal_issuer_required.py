import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("awards", "0004_proposal_issuers"), ("units", "0001_initial")]
    operations = [
        migrations.AlterField(
            model_name="proposal", name="issuer",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="units.unit", verbose_name="issuer")),
        migrations.AlterField(model_name="proposal", name="year",
                              field=models.PositiveSmallIntegerField(verbose_name="year")),
        migrations.AlterField(model_name="proposal", name="achievement",
                              field=models.CharField(max_length=120, verbose_name="achievement")),
    ]
