"""`outbreakhq import cases|contacts|links FILE [--mapping MAP] [--area CODE] --user NAME
[--dry-run]`: import a line list, all or nothing; every wrong row is printed with its column."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import AppError
from outbreakhq.core.models import Area
from outbreakhq.tracing.importing import run_import
from outbreakhq.tracing.importing_fields import KINDS
from outbreakhq.tracing.importing_mappings import resolve_mapping


class Command(BaseCommand):
    help = ("Import cases, contacts or transmission links from CSV or XLSX. Every row is checked "
            "first; if any is wrong nothing is written and each wrong row is listed. Records are "
            "matched by external id, so importing a file twice changes nothing.")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
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

    def handle(self, *args, kind: str, file: Path, mapping: str, area: str, user: str,
               dry_run: bool, **options):
        account = get_user_model().objects.filter(username=user, is_active=True).first()
        if account is None:
            raise CommandError(f"No active user named {user!r}.")
        if not file.is_file():
            raise CommandError(f"{file}: no such file.")
        within = Area.objects.filter(code=area).first() if area else None
        if area and within is None:
            raise CommandError(f"No area with code {area!r}.")
        try:
            columns = resolve_mapping(account, kind, mapping) if mapping else None
            plan, result = run_import(actor=Actor.for_command(account), kind=kind, path=file,
                                      mapping=columns,
                                      area=within, dry_run=dry_run)
        except AppError as exc:
            for error in exc.errors:
                self.stderr.write(f"row {error.row}, {error.field}: {error.message}"
                                  if error.row else f"{error.field}: {error.message}")
            raise CommandError(f"{file}: {exc.message}") from None
        if result is None:
            counts = plan.counts
            self.stdout.write(f"Dry run, nothing written: {counts['create']} to create, "
                              f"{counts['update']} to update, {counts['unchanged']} unchanged.")
            return
        people = (f" People: {result.people_registered} registered, {result.people_matched} "
                  f"matched by document." if kind != "links" else "")
        self.stdout.write(f"{result.created} created, {result.updated} updated, "
                          f"{result.unchanged} unchanged.{people}")
