"""Notes of the public list's versions as codes (zones/reasons.py render_note), read in the
reader's language. Notes stored before as text, in English or Chinese (the language of whoever
approved), are turned into their codes and English text; other notes (typed by a person) stay
as they are."""

import re

from django.db import migrations, models

# The texts the regrade and the decisions stored, in both shipped languages.
PATTERNS = [
    (re.compile(r"^designation (\d+) approved$|^划定 (\d+) 已批准$"), "approved", "designation"),
    (re.compile(r"^designation (\d+) made$|^已作出划定 (\d+)$"), "made", "designation"),
    (re.compile(r"^(\d+) designations approved automatically$|^(\d+) 项划定已自动批准$"),
     "auto_approved", "n"),
]
ENGLISH = {"approved": "designation {} approved", "made": "designation {} made",
           "auto_approved": "{} designations approved automatically"}


def notes_to_codes(apps, schema_editor):
    published_list = apps.get_model("zones", "PublishedList")
    for row in published_list.objects.exclude(note="").only("pk", "note"):
        for pattern, code, key in PATTERNS:
            found = pattern.match(row.note.strip())
            if found:
                number = int(next(g for g in found.groups() if g))
                published_list.objects.filter(pk=row.pk).update(
                    note_code={"code": code, key: number}, note=ENGLISH[code].format(number))
                break


class Migration(migrations.Migration):

    dependencies = [
        ("zones", "0003_alerts_rounds_place_members"),
    ]

    operations = [
        migrations.AddField(
            model_name="publishedlist",
            name="note_code",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(notes_to_codes, migrations.RunPython.noop),
    ]
