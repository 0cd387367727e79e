"""`outbreakhq zones replay|regrade|publish`: the risk-area clocks from the command line.

`replay` touches no database: it runs the clocks of the deployment's preset over an events file
(zones/replay.py). `regrade` runs them over the database for one day and proposes designations;
a deployment runs it daily (docs/zones.md has the cron line). `publish` freezes the day's public
list (a second run on the same day publishes a correction, with `--note`).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from outbreakhq import protocols
from outbreakhq.zones.public import publish
from outbreakhq.zones.replay import run_file
from outbreakhq.zones.rules import ClockRules
from outbreakhq.zones.services.designations import regrade


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Risk-area clocks: replay an events file, regrade the database, publish the list."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        replay = actions.add_parser("replay", help="Run the clocks over an events file "
                                    "(columns date, area, event); no database.")
        replay.add_argument("--events", required=True, help="CSV file, or - for standard input")
        replay.add_argument("--until", type=_day, help="last day (default: 30 days after the "
                            "last event)")
        replay.add_argument("--format", choices=["csv", "json"], default="csv")
        regrade = actions.add_parser("regrade", help="Run the clocks on the database for a day "
                                     "and propose designations.")
        regrade.add_argument("--date", type=_day, help="the day (default: today)")
        publish = actions.add_parser("publish", help="Freeze the public list of a day.")
        publish.add_argument("--date", type=_day, help="the day (default: today)")
        publish.add_argument("--note", default="", help="why a correction is published")

    def handle(self, *args, action: str, **options):
        getattr(self, action)(options)

    def replay(self, options) -> None:
        source = options["events"]
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"{source}: {exc.strerror}") from exc
        try:
            rules = ClockRules.from_grading(protocols.current().grading)
            self.stdout.write(run_file(text, rules, until=options["until"],
                                       fmt=options["format"]), ending="")
        except ValueError as problem:
            raise CommandError(f"{source}: {problem}") from problem

    def regrade(self, options) -> None:
        result = regrade(day=options["date"])
        self.stdout.write(f"{result.day}: {result.areas} areas, {result.proposed} proposed, "
                          f"{result.approved} approved")

    def publish(self, options) -> None:
        published = publish(day=options["date"], note=options["note"])
        self.stdout.write(f"{published.day}: version {published.version}, "
                          f"{len(published.content['areas'])} areas")
