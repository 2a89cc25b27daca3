"""Database triggers that refuse UPDATE and DELETE on the audit trail."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER core_changerecord_no_update BEFORE UPDATE ON core_changerecord
       BEGIN SELECT RAISE(ABORT, 'core_changerecord is append-only'); END""",
    """CREATE TRIGGER core_changerecord_no_delete BEFORE DELETE ON core_changerecord
       BEGIN SELECT RAISE(ABORT, 'core_changerecord is append-only'); END""",
]
POSTGRES = [
    """CREATE FUNCTION core_changerecord_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'core_changerecord is append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER core_changerecord_no_change BEFORE UPDATE OR DELETE ON core_changerecord
       FOR EACH ROW EXECUTE FUNCTION core_changerecord_append_only()""",
]
SQLITE_DROP = ["DROP TRIGGER core_changerecord_no_update", "DROP TRIGGER core_changerecord_no_delete"]
POSTGRES_DROP = [
    "DROP TRIGGER core_changerecord_no_change ON core_changerecord",
    "DROP FUNCTION core_changerecord_append_only()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        )
    ]
