"""`outbreakhq import_areas FILE --user NAME`: import an area tree, all or nothing; the same as
`outbreakhq import areas FILE --user NAME` (the import pipeline, interop/areas.py)."""

from __future__ import annotations

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("Import areas from CSV or XLSX (code,parent_code,level,name_en[,name_zh,population,"
            "shape]). Nothing is written if any row is wrong; every wrong row is listed.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True,
                            help="the account the import is done (and audited) as")
        parser.add_argument("--dry-run", action="store_true",
                            help="check the file and print what would change; write nothing")

    def handle(self, *args, file: Path, user: str, dry_run: bool, **options):
        call_command("import", "areas", str(file), user=user, dry_run=dry_run,
                     stdout=self.stdout, stderr=self.stderr)
