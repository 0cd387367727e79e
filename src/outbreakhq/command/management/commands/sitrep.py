"""`outbreakhq sitrep --area CODE [--date YYYY-MM-DD] [--language zh-hans] --out FILE.pdf`:
the situation report of a jurisdiction as a PDF, made as the system (no user's scope)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from outbreakhq.command import report
from outbreakhq.core.models import Area


class Command(BaseCommand):
    help = "Write the situation report of a jurisdiction and day as a PDF."

    def add_arguments(self, parser):
        parser.add_argument("--area", required=True, metavar="CODE")
        parser.add_argument("--date", metavar="YYYY-MM-DD", help="default: today")
        parser.add_argument("--out", required=True, metavar="FILE.pdf")
        parser.add_argument("--language", default="en", help="en or zh-hans")

    def handle(self, *args, area: str, out: str, date: str | None = None,
               language: str = "en", **options):
        found = Area.objects.filter(code=area).first()
        if found is None:
            raise CommandError(f"--area: no area has the code {area}")
        try:
            day = _parse(date) if date else timezone.localdate()
        except ValueError:
            raise CommandError(f"--date: {date!r} is not a date (YYYY-MM-DD)") from None
        with translation.override(language):
            pdf = report.pdf(None, found, day)
        Path(out).write_bytes(pdf)
        self.stdout.write(f"{out}: {len(pdf)} bytes\n")


def _parse(raw: str):
    return date.fromisoformat(raw)
