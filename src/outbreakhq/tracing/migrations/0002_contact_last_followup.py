# The latest follow-up day per contact, kept by tracing.services.followups.record_followup, so
# that the "due today" and "overdue" worklists are plain indexed filters on the contact table.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tracing', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='contact',
            name='last_followup',
            field=models.DateField(blank=True, editable=False, null=True, verbose_name='last follow-up'),
        ),
        migrations.AddIndex(
            model_name='contact',
            index=models.Index(fields=['area', 'status', 'followup_end'], name='contact_area_due'),
        ),
    ]
