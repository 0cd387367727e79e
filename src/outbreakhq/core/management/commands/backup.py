"""`outbreakhq backup FILE`: see core/backups.py and docs/operations.md ("Backups")."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from outbreakhq.core import backups
from outbreakhq.core.errors import AppError


class Command(BaseCommand):
    help = ("Write a consistent copy of the database to FILE while the server runs (SQLite: "
            "online backup API; PostgreSQL: pg_dump).")

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file: str, **options):
        try:
            kind = backups.backup(file)
        except AppError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(f"Backup: {kind} database -> {file}")
