"""Cluster proposals written before proposals had an issuer, a year, a key and a status."""

from typing import Any

from django.db import migrations


def fill(apps: Any, schema_editor: Any) -> None:
    Proposal = apps.get_model("awards", "Proposal")
    for proposal in Proposal.objects.select_related("cluster"):
        cluster = proposal.cluster
        proposal.issuer_id = cluster.province_id
        proposal.year = cluster.year
        proposal.achievement = f"cluster:{cluster.pk}:{proposal.unit_id}"
        proposal.status = "decided" if proposal.decision_id else "proposed"
        proposal.save(update_fields=["issuer", "year", "achievement", "status"])


class Migration(migrations.Migration):
    dependencies = [("awards", "0003_proposals_by_hand")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
