"""`outbreakhq support escalate`: escalate to command every support request whose deadline
passed before anyone took it on. Run it every few minutes (cron or a systemd timer); the
queue and command's home page also run it when they load."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from outbreakhq.support.services import escalate_overdue


class Command(BaseCommand):
    help = "Residents' support: `escalate` marks the requests past their deadline escalated."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["escalate"])

    def handle(self, *args: Any, **options: Any) -> None:
        count = escalate_overdue()
        self.stdout.write(f"{count} request(s) escalated to command.")
