# The contact line list is ordered by last exposure: a tenant-leading index in that order lets a
# page of 50 be read without sorting the whole scope (see ScopedQuerySet.visible_to).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tracing', '0003_import_mapping'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='contact',
            index=models.Index(fields=['tenant', 'last_exposure', 'id'], name='contact_tenant_exposure'),
        ),
    ]
