"""`outbreakhq import KIND FILE [--mapping MAP] [--area CODE] --user NAME [--dry-run]
[--partial] [--errors FILE.csv]`: import a file of a registered kind (cases, contacts, links, …),
all or nothing unless `--partial` (the rows that pass go in, the others are refused); every
error of every row is printed with its column, and with `--errors` written to a CSV file (row,
column, value, reason). The last line gives the totals: created, updated, unchanged, held,
refused. A large file is committed by the task worker, as from the page and the API
(interop/jobs.py); `--in-process` commits it here instead.

A streaming kind (registry.StreamingImporter: screening's samples and results) is read and
committed by its app in batches, in this process, with a progress bar on stderr (on a terminal,
or with `--progress`); `--mapping`, `--area` and `--in-process` do not apply to it.
`--message-id ID` (streaming kinds only) names the file as one message: imported once, the same
file with the same id again is answered "already processed" without being read, the id with
another file is refused (a FHIR bundle's own identifier or id serves without the flag)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import AppError
from outbreakhq.core.models import Area
from outbreakhq.interop import uploads
from outbreakhq.interop.errorfile import csv_text
from outbreakhq.interop.jobs import IMPORT_IN_BACKGROUND_ABOVE, note_of, submit_import
from outbreakhq.interop.mappings import resolve_mapping
from outbreakhq.interop.pipeline import run_import
from outbreakhq.interop.registry import kinds, streaming_for, streaming_kinds


class Command(BaseCommand):
    help = ("Import cases, contacts or transmission links from CSV or XLSX. Every row is checked "
            "first; if any is wrong nothing is written and each wrong row is listed. Records are "
            "matched by external id, so importing a file twice changes nothing. Screening's "
            "samples and results (CSV or FHIR R4 bundles) are streamed and committed in "
            "batches, matched by tube barcode.")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=(*kinds(), *streaming_kinds()))
        parser.add_argument("file", type=Path)
        parser.add_argument("--mapping", default="",
                            help="a JSON or TOML mapping file, or the name of a saved mapping "
                                 "(default: guess the columns from the header)")
        parser.add_argument("--area", default="",
                            help="area code: the home area of rows that give none; every row "
                                 "must lie inside it")
        parser.add_argument("--user", required=True,
                            help="the account the import is done (and audited) as")
        parser.add_argument("--dry-run", action="store_true",
                            help="check the file and print what would change; write nothing")
        parser.add_argument("--partial", action="store_true",
                            help="write the rows that pass and refuse the others (default: "
                                 "nothing is written when any row is wrong)")
        parser.add_argument("--errors", type=Path, default=None, metavar="FILE.csv",
                            help="write every refused row's errors to this CSV file (row, "
                                 "column, value, reason)")
        parser.add_argument("--in-process", action="store_true",
                            help=f"commit a file of more than {IMPORT_IN_BACKGROUND_ABOVE} rows "
                                 "in this command instead of the task worker")
        parser.add_argument("--message-id", default="", metavar="ID",
                            help="screening samples and results: the file's message id; the "
                                 "same file with the same id again is answered 'already "
                                 "processed' without being read, the id with another file is "
                                 "refused (default: a FHIR bundle's identifier or id; a CSV "
                                 "without one is matched by barcode only)")
        parser.add_argument("--progress", action="store_true",
                            help="show a progress bar on stderr even when it is not a terminal")

    def handle(self, *args, kind: str, file: Path, mapping: str, area: str, user: str,
               dry_run: bool, in_process: bool, partial: bool, errors: Path | None,
               progress: bool = False, message_id: str = "", **options):
        account = get_user_model().objects.filter(username=user, is_active=True).first()
        if account is None:
            raise CommandError(f"No active user named {user!r}.")
        if not file.is_file():
            raise CommandError(f"{file}: no such file.")
        streaming = streaming_for(kind)
        if streaming is not None:
            if mapping or area or in_process:
                raise CommandError(f"--mapping, --area and --in-process do not apply to {kind}.")
            return self._stream(streaming, Actor.for_command(account), file, dry_run=dry_run,
                                partial=partial, errors=errors, message_id=message_id,
                                progress=progress or sys.stderr.isatty())
        if message_id:
            raise CommandError(f"--message-id does not apply to {kind}: its rows are matched "
                               "by external id.")
        within = Area.objects.filter(code=area).first() if area else None
        if area and within is None:
            raise CommandError(f"No area with code {area!r}.")
        try:
            actor = Actor.for_command(account)
            columns = resolve_mapping(actor, kind, mapping) if mapping else None
            if dry_run or in_process:
                plan, result = run_import(actor=actor, kind=kind, path=file, mapping=columns,
                                          area=within, dry_run=dry_run, partial=partial)
            else:
                plan, result = self._submit(actor, kind, file, columns, within, partial)
        except AppError as exc:
            self._errors(exc.errors)
            refused_plan = getattr(exc, "plan", None)
            if errors is not None:
                errors.write_text(csv_text(refused_plan, exc.errors), encoding="utf-8")
            if refused_plan is not None:
                wrong = len(refused_plan.refused_rows)
                self.stderr.write(f"{len(exc.errors)} errors in {wrong} rows: nothing written.")
                self.stderr.write(self._totals(0, 0, 0, len(refused_plan.rows) - wrong, wrong))
            raise CommandError(f"{file}: {exc.message}") from None
        if plan is None:
            return
        if dry_run:
            counts = plan.counts
            if errors is not None:
                errors.write_text(csv_text(plan, plan.errors), encoding="utf-8")
            self._errors(plan.errors)
            wrong = len(plan.refused_rows)
            self.stdout.write(f"Dry run, nothing written: {counts['create']} to create, "
                              f"{counts['update']} to update, {counts['unchanged']} unchanged"
                              f"{f', {wrong} rows refused' if partial and wrong else ''}.")
            return
        if errors is not None:
            errors.write_text(csv_text(plan, result.errors), encoding="utf-8")
        self._errors(result.errors)
        if kind not in ("links", "areas"):
            self.stdout.write(f"People: {result.people_registered} registered, "
                              f"{result.people_matched} matched by document.")
        self.stdout.write(self._totals(result.created, result.updated, result.unchanged,
                                       result.held, result.refused))

    def _stream(self, importer, actor: Actor, file: Path, *, dry_run: bool, partial: bool,
                errors: Path | None, progress: bool, message_id: str = "") -> None:
        """A streaming kind: its errors printed (and written to --errors) batch by batch."""
        sink = errors.open("w", encoding="utf-8", newline="") if errors is not None else None
        writer = csv.writer(sink) if sink is not None else None
        if writer is not None:
            writer.writerow(("row", "column", "value", "reason"))

        def on_errors(found, values) -> None:
            self._errors(found)
            if writer is not None:
                writer.writerows((e.row or "", e.field, (values.get(e.row) or {}).get(e.field, ""),
                                  e.message) for e in found)

        def bar(done: int, total: int) -> None:
            share = done / total if total else 1.0
            filled = int(share * 30)
            self.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done:,}/{total:,} rows",
                              ending="")
            self.stderr.flush()

        try:
            result = importer.run(actor=actor, path=file, partial=partial, dry_run=dry_run,
                                  on_errors=on_errors, progress=bar if progress else None,
                                  message_id=message_id or None)
        except AppError as exc:
            self._errors(exc.errors)
            raise CommandError(f"{file}: {exc.message}") from None
        finally:
            if progress:
                self.stderr.write("")
            if sink is not None:
                sink.close()
        if result.replayed:
            self.stdout.write(result.replayed)
        if result.extra:
            self.stdout.write(result.extra)
        if dry_run and not result.replayed:
            self.stdout.write(f"Dry run, nothing written: {result.created} to create, "
                              f"{result.updated} to update, {result.unchanged} unchanged, "
                              f"{result.refused} rows refused.")
            return
        if result.refused and not partial:
            self.stderr.write(f"{result.refused} rows refused: nothing written.")
            self.stderr.write(self._totals(0, 0, 0, 0, result.refused))
            raise CommandError(f"{file}: {result.refused} rows refused; nothing was written "
                               "(--partial keeps the good rows).")
        self.stdout.write(self._totals(result.created, result.updated, result.unchanged,
                                       result.held, result.refused))

    def _errors(self, errors) -> None:
        for error in errors:
            self.stderr.write(f"row {error.row}, {error.field}: {error.message}"
                              if error.row else f"{error.field}: {error.message}")

    @staticmethod
    def _totals(created: int, updated: int, unchanged: int, held: int, refused: int) -> str:
        return (f"{created} created, {updated} updated, {unchanged} unchanged, {held} held, "
                f"{refused} refused.")

    def _submit(self, actor: Actor, kind: str, file: Path, columns, within, partial: bool):
        """Commit through interop.jobs like the page and the API: a copy of the file in the
        user's upload folder, which the worker reads if the file is large."""
        with file.open("rb") as source:
            path = uploads.store_upload(actor.user, file.name, iter(lambda: source.read(1 << 20),
                                                                 b""))
        try:
            done = submit_import(actor=actor, kind=kind, path=path, name=file.name,
                                 mapping=columns, area=within, partial=partial)
        except Exception:
            uploads.forget(path)
            raise
        if done.queued:
            self.stdout.write(f"{len(done.plan.rows)} rows checked: queued for the task worker "
                              f"(outbreakhq db_worker); its outcome will be in {note_of(path)}.")
            return None, None
        return done.plan, done.result
