"""Make the audit trail append-only in the database itself: UPDATE and DELETE on audit events
fail whatever code issues them (QuerySet.update/delete bypass the model's guards).

The one way to delete is a row in `core_audit_purge_permit`, a table the application has no
model for: `core.audit.purge_permit()` writes it for the retention purge and for `flush` (which
wipes the whole database, as tests and resets do)."""

from django.db import migrations

PERMIT = "CREATE TABLE core_audit_purge_permit (reason varchar(200) NOT NULL)"

SQLITE = [
    PERMIT,
    """CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
    """CREATE TRIGGER core_auditevent_no_delete BEFORE DELETE ON core_auditevent
       WHEN NOT EXISTS (SELECT 1 FROM core_audit_purge_permit)
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
]
SQLITE_DROP = ["DROP TRIGGER core_auditevent_no_update;", "DROP TRIGGER core_auditevent_no_delete;",
               "DROP TABLE core_audit_purge_permit;"]

POSTGRES = [
    PERMIT,
    """CREATE FUNCTION core_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP <> 'UPDATE' AND EXISTS (SELECT 1 FROM core_audit_purge_permit) THEN
           RETURN OLD;
         END IF;
         RAISE EXCEPTION 'audit events are append-only';
       END; $$;""",
    """CREATE TRIGGER core_auditevent_append_only BEFORE UPDATE OR DELETE ON core_auditevent
       FOR EACH ROW EXECUTE FUNCTION core_audit_append_only();""",
    # TRUNCATE bypasses row triggers; a statement trigger guards it too.
    """CREATE TRIGGER core_auditevent_no_truncate BEFORE TRUNCATE ON core_auditevent
       FOR EACH STATEMENT EXECUTE FUNCTION core_audit_append_only();""",
]
POSTGRES_DROP = [
    "DROP TRIGGER core_auditevent_no_truncate ON core_auditevent;",
    "DROP TRIGGER core_auditevent_append_only ON core_auditevent;",
    "DROP FUNCTION core_audit_append_only();",
    "DROP TABLE core_audit_purge_permit;",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = POSTGRES_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
