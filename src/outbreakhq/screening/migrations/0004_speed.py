"""Screening speed (issue 9): the open recall of a person in a round found by index."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("screening", "0002_report_step"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="recall",
            index=models.Index(fields=["round", "person", "status"], name="recall_round_person"),
        ),
    ]
