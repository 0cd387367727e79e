"""The people each audit event showed (core.models.AuditShown), append-only in the database like
the events themselves (migration 0002): UPDATE and DELETE fail unless the purge permit table holds
a row (core.audit.purge_permit, for the retention purge and `flush`)."""

from django.db import migrations, models

SQLITE = [
    """CREATE TRIGGER core_auditshown_no_update BEFORE UPDATE ON core_auditshown
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
    """CREATE TRIGGER core_auditshown_no_delete BEFORE DELETE ON core_auditshown
       WHEN NOT EXISTS (SELECT 1 FROM core_audit_purge_permit)
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
]
SQLITE_DROP = ["DROP TRIGGER core_auditshown_no_update;", "DROP TRIGGER core_auditshown_no_delete;"]

# core_audit_append_only() comes from migration 0002.
POSTGRES = [
    """CREATE TRIGGER core_auditshown_append_only BEFORE UPDATE OR DELETE ON core_auditshown
       FOR EACH ROW EXECUTE FUNCTION core_audit_append_only();""",
    """CREATE TRIGGER core_auditshown_no_truncate BEFORE TRUNCATE ON core_auditshown
       FOR EACH STATEMENT EXECUTE FUNCTION core_audit_append_only();""",
]
POSTGRES_DROP = ["DROP TRIGGER core_auditshown_no_truncate ON core_auditshown;",
                 "DROP TRIGGER core_auditshown_append_only ON core_auditshown;"]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = POSTGRES_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0005_audit_action_labels"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditShown",
            fields=[
                ("pk", models.CompositePrimaryKey("tenant_id", "person_id", "event_id",
                                                  blank=True, editable=False, primary_key=True,
                                                  serialize=False)),
                ("tenant_id", models.BigIntegerField()),
                ("person_id", models.BigIntegerField()),
                ("event_id", models.BigIntegerField()),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
