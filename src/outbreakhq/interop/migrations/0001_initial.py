# The saved mappings move from tracing to interop (issue 8): the table stays where it is
# (db_table), only Django's state changes, so no row is copied.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('core', '0007_outbreak_declaration'),
        ('tracing', '0006_contact_tracer_team_worklists'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='ImportMapping',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=100, verbose_name='name')),
                    ('kind', models.CharField(max_length=10, verbose_name='kind')),
                    ('mapping', models.JSONField(default=dict, verbose_name='columns')),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('area', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.area', verbose_name='area')),
                    ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'tracing_importmapping',
                    'ordering': ['kind', 'name'],
                    'constraints': [models.UniqueConstraint(fields=('area', 'kind', 'name'), name='import_mapping_name')],
                },
            ),
        ]),
    ]
