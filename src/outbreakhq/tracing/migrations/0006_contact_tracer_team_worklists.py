# The "mine" and "my teams" worklists filter on the tracer or the team and page by
# (followup_end, id). With only (tracer, status) both databases walked the tenant's keyset index
# over every followed contact and dropped the other tracers' rows: at 370,000 followed contacts
# (bench/bench_tracing.py) 110-145 ms for a page of 40, ~1 ms with these. (tracer, status) is a
# prefix of the new tracer index, so it goes.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tracing', '0005_contact_worklist_keyset'),
    ]

    operations = [
        migrations.RemoveIndex(model_name='contact', name='contact_tracer'),
        migrations.AddIndex(
            model_name='contact',
            index=models.Index(fields=['tracer', 'status', 'followup_end', 'id'],
                               name='contact_tracer_worklist'),
        ),
        migrations.AddIndex(
            model_name='contact',
            index=models.Index(fields=['team', 'status', 'followup_end', 'id'],
                               name='contact_team_worklist'),
        ),
    ]
