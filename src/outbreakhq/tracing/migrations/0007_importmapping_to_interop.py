# ImportMapping now belongs to interop (issue 8); its table stays (see interop 0001).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('tracing', '0006_contact_tracer_team_worklists'),
        ('interop', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.DeleteModel(name='ImportMapping'),
        ]),
    ]
