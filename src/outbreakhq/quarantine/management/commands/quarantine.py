"""`outbreakhq quarantine schedule --kind KIND --start DATE [--format csv|json]`.

Prints the schedule of a stay of that kind starting that day under the deployment's preset
(`OUTBREAKHQ_PROTOCOL` with its overrides): one row per day, columns `day, date, phase, test`
(`test` true on a test day). A kind whose rule quarantines nobody prints the header only (csv)
or `[]` (json), and says so on stderr.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from outbreakhq import protocols
from outbreakhq.quarantine import rules

COLUMNS = ("day", "date", "phase", "test")


class Command(BaseCommand):
    help = "Quarantine tools: the schedule of a stay under the deployment's protocol preset."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        plan = actions.add_parser("schedule", help="The days, phases and test days of a stay.")
        plan.add_argument("--kind", required=True,
                          help=f"Kind of person: {', '.join(protocols.PERSON_CATEGORIES)}.")
        plan.add_argument("--start", required=True, help="First day of the stay (YYYY-MM-DD).")
        plan.add_argument("--format", choices=["csv", "json"], default="csv")

    def handle(self, *args: Any, **options: Any) -> None:
        kind = options["kind"]
        if kind not in protocols.PERSON_CATEGORIES:
            raise CommandError(f"--kind: unknown kind {kind!r}; one of "
                               f"{', '.join(protocols.PERSON_CATEGORIES)}")
        try:
            start = date.fromisoformat(options["start"])
        except ValueError:
            raise CommandError(f"--start: {options['start']!r} is not a date (YYYY-MM-DD)"
                               ) from None
        try:
            protocol = protocols.current()
        except protocols.ProtocolError as exc:
            raise CommandError(str(exc)) from exc
        days = rules.schedule(protocol.rule_for(kind), start)
        if not days:
            self.stderr.write(f"{kind}: no quarantine under {protocol.meta.name}")
        if options["format"] == "json":
            self.stdout.write(json.dumps([d.as_dict() for d in days], indent=2))
            return
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(COLUMNS)
        for d in days:
            writer.writerow((d.day, d.date.isoformat(), d.phase, "true" if d.test else "false"))
