"""`outbreakhq import_areas FILE.csv --user NAME`: import an area tree, all or nothing."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from outbreakhq.core.actor import Actor
from outbreakhq.core.areas import import_areas_csv
from outbreakhq.core.errors import AppError


class Command(BaseCommand):
    help = ("Import areas from a UTF-8 CSV (code,parent_code,level,name_en[,name_zh,population,"
            "shape]). Nothing is written if any row is wrong; every wrong row is listed.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True,
                            help="the account the import is done (and audited) as")

    def handle(self, *args, file: Path, user: str, **options):
        account = get_user_model().objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"No user named {user!r}.")
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{file}: {exc}") from None
        try:
            result = import_areas_csv(actor=Actor.for_command(account), text=text)
        except AppError as exc:
            raise CommandError(f"{file}: {exc}") from None
        self.stdout.write(f"{result.created} created, {result.updated} updated, "
                          f"{result.unchanged} unchanged.")
