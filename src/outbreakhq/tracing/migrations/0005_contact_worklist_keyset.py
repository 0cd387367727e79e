# The follow-up worklists page by (followup_end, id) after filtering on tenant and status: with
# the id in the index PostgreSQL reads a page straight from it instead of sorting (measured at
# 200,000 contacts: 52 ms -> a few ms). The old three-column index and the area-leading one
# from 0002 are its prefixes or unused by the tenant-filtered queries, so they go.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tracing', '0004_contact_tenant_exposure'),
    ]

    operations = [
        migrations.RemoveIndex(model_name='contact', name='contact_worklist'),
        migrations.RemoveIndex(model_name='contact', name='contact_area_due'),
        migrations.AddIndex(
            model_name='contact',
            index=models.Index(fields=['tenant', 'status', 'followup_end', 'id'], name='contact_worklist_keyset'),
        ),
    ]
