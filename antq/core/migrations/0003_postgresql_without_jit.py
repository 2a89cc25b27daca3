"""PostgreSQL's JIT compiler (on by default) is turned off for antq's database.

antq's queries are short: compiling them took 30–310 ms on register lists of the national
dataset for nothing gained. The setting is put on the database rather than sent by each
connection, so that it also holds behind PgBouncer (which refuses or drops per-connection
options); the migrating session follows at once. Nothing to do on SQLite.
"""

from django.db import migrations

# %% is a literal % for the driver: format() receives %I.
ON_DATABASE = "DO $$ BEGIN EXECUTE format('ALTER DATABASE %%I SET jit = off', current_database()); END $$"
BACK = "DO $$ BEGIN EXECUTE format('ALTER DATABASE %%I RESET jit', current_database()); END $$"


def _run(*statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0002_change_record_append_only")]

    operations = [migrations.RunPython(_run(ON_DATABASE, "SET jit = off"), _run(BACK, "RESET jit"))]
