"""Custody events are append-only, enforced by the database itself.

Even code that bypasses the model layer (raw SQL, a shell, a bug) cannot
update a custody event, nor delete one unless its case was crypto-erased.
"""
from django.db import migrations

SQLITE_UP = [
    """CREATE TRIGGER custody_no_update BEFORE UPDATE ON evidence_custodyevent
       BEGIN SELECT RAISE(ABORT, 'custody events are append-only'); END""",
    """CREATE TRIGGER custody_no_delete BEFORE DELETE ON evidence_custodyevent
       WHEN NOT EXISTS (SELECT 1 FROM evidence_custodyerasure WHERE case_id = OLD.case_id)
       BEGIN SELECT RAISE(ABORT, 'custody events are append-only'); END""",
]
SQLITE_DOWN = ["DROP TRIGGER custody_no_update", "DROP TRIGGER custody_no_delete"]

POSTGRES_UP = [
    """CREATE FUNCTION custody_append_only() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM evidence_custodyerasure WHERE case_id = OLD.case_id) THEN
           RETURN OLD;
         END IF;
         RAISE EXCEPTION 'custody events are append-only';
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER custody_append_only BEFORE UPDATE OR DELETE ON evidence_custodyevent
       FOR EACH ROW EXECUTE FUNCTION custody_append_only()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER custody_append_only ON evidence_custodyevent",
    "DROP FUNCTION custody_append_only()",
]


def up(apps, schema_editor):
    statements = POSTGRES_UP if schema_editor.connection.vendor == "postgresql" else SQLITE_UP
    for sql in statements:
        schema_editor.execute(sql)


def down(apps, schema_editor):
    statements = POSTGRES_DOWN if schema_editor.connection.vendor == "postgresql" else SQLITE_DOWN
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("evidence", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
