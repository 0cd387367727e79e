"""`outbreakhq export cases|contacts --user NAME [--area CODE] [--format csv|xlsx]
[--pseudonymised] --out FILE`: the user's scoped list, streamed to a file; one `export` audit
event."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import AppError
from outbreakhq.core.models import Area
from outbreakhq.tracing.exporting import FORMATS, start_export, write_csv, write_xlsx


class Command(BaseCommand):
    help = ("Export the cases or contacts the user may export (optionally below one area) to a "
            "CSV or XLSX file whose header the import reads back.")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=("cases", "contacts"))
        parser.add_argument("--user", required=True, help="whose scope, and who is audited")
        parser.add_argument("--area", default="", help="only rows below this area code")
        parser.add_argument("--format", default="", choices=("", *FORMATS),
                            help="csv or xlsx (default: from the --out suffix, else csv)")
        parser.add_argument("--pseudonymised", action="store_true",
                            help="no names, documents, phones or addresses; pseudonyms, birth "
                                 "year, area cut to OUTBREAKHQ_PSEUDONYM_AREA_LEVEL")
        parser.add_argument("--out", required=True, type=Path)

    def handle(self, *args, kind: str, user: str, area: str, format: str, out: Path,
               pseudonymised: bool = False, **options):
        account = get_user_model().objects.filter(username=user, is_active=True).first()
        if account is None:
            raise CommandError(f"No active user named {user!r}.")
        within = Area.objects.filter(code=area).first() if area else None
        if area and within is None:
            raise CommandError(f"No area with code {area!r}.")
        fmt = format or ("xlsx" if out.suffix.lower() == ".xlsx" else "csv")
        try:
            export, count = start_export(actor=Actor.for_command(account), kind=kind, fmt=fmt,
                                         within=within,
                                         pseudonymised=pseudonymised)
        except AppError as exc:
            raise CommandError(str(exc)) from None
        (write_csv if fmt == "csv" else write_xlsx)(export.layout, export.tuples(), out)
        self.stdout.write(f"{count} {kind} written to {out}.")
