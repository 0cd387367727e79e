"""`outbreakhq import_screening samples|results FILE --user NAME [--partial]`: sealed tubes or
lab results from a CSV, streamed in batches, idempotent by barcode (docs/screening.md)."""

from __future__ import annotations

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import AppError
from outbreakhq.screening.importing import BATCH, import_file


class Command(BaseCommand):
    help = ("Import sealed tubes (samples: barcode,site,round,members) or results "
            "(barcode,result,ct) from a CSV, in batches; importing a file again changes nothing.")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=("samples", "results"))
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="the account the import is done as")
        parser.add_argument("--partial", action="store_true",
                            help="keep the good rows and report the bad ones")
        parser.add_argument("--batch", type=int, default=BATCH, help="rows per transaction")

    def handle(self, *args, kind: str, file: Path, user: str, partial: bool, batch: int,
               **options):
        account = get_user_model().objects.filter(username=user, is_active=True).first()
        if account is None:
            raise CommandError(f"No active user named {user!r}.")
        if not file.is_file():
            raise CommandError(f"{file}: no such file.")

        def progress(rows: int) -> None:
            if sys.stderr.isatty():
                sys.stderr.write(f"\r{rows:,} rows")

        try:
            outcome = import_file(actor=Actor.for_command(account), kind=kind, path=file,
                                  partial=partial, size=max(batch, 1), progress=progress)
        except AppError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{file}: {exc.message}") from None
        for error in outcome.errors:
            self.stderr.write(str(error))
        self.stdout.write(f"{outcome.rows} rows: {outcome.created} written, "
                          f"{outcome.unchanged} unchanged, {len(outcome.errors)} refused"
                          + (f", {outcome.recalls} recalls, {outcome.positives} individual "
                             "positives" if kind == "results" else "") + ".")
