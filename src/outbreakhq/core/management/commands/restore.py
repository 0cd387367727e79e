"""`outbreakhq restore FILE`: see core/backups.py and docs/operations.md ("Backups")."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from outbreakhq.core import backups
from outbreakhq.core.errors import AppError


class Command(BaseCommand):
    help = ("Replace the database's content with the backup in FILE (stop the server first).")

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file: str, **options):
        try:
            kind = backups.restore(file)
        except AppError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(f"Restore: {kind} database <- {file}")
