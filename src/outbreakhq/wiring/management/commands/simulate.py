"""`outbreakhq simulate`: generate a synthetic territory and outbreak; load it or write files.

    outbreakhq simulate --population 200000 --days 60 --seed 7 --load
    outbreakhq simulate --population 1000000 --days 60 --seed 1 --out var/scenario --format csv

The simulator itself is pure (outbreakhq.simulate, no Django); this command only wires it to
the settings, the database and the terminal. docs/simulator.md documents every table.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from outbreakhq import protocols
from outbreakhq.core.models import Area
from outbreakhq.simulate import writer
from outbreakhq.simulate.engine import Config, simulate
from outbreakhq.simulate.territory import REGION_CODE
from outbreakhq.wiring import scenario_loader as loader


class Command(BaseCommand):
    help = "Simulate an outbreak in a synthetic territory; --load it or write it with --out."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--population", type=int, default=200_000,
                            help="residents of the territory (default 200000)")
        parser.add_argument("--days", type=int, default=60, help="days to simulate (default 60)")
        parser.add_argument("--seed", type=int, default=1,
                            help="random seed: the same seed gives the same tables")
        parser.add_argument("--r0", type=float, default=2.5,
                            help="basic reproduction number without any response (default 2.5)")
        parser.add_argument("--protocol", default=None,
                            help="protocol preset (default: the OUTBREAKHQ_PROTOCOL setting)")
        parser.add_argument("--no-response", action="store_true", dest="no_response",
                            help="no detection, tracing, quarantine or grading: the bare epidemic")
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--load", action="store_true",
                            help="write areas, people, cases, contacts and follow-ups into "
                                 "the database")
        target.add_argument("--out", type=Path, help="folder to write every table to")
        parser.add_argument("--replace", action="store_true",
                            help="with --load: replace a scenario already loaded for the region")
        parser.add_argument("--format", choices=writer.FORMATS, default="parquet",
                            help="file format for --out (default parquet)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["population"] < 10 or options["days"] < 1:
            raise CommandError("--population must be at least 10 and --days at least 1")
        name = options.get("protocol") or settings.OUTBREAKHQ_PROTOCOL
        overrides = "" if options.get("protocol") else (
            getattr(settings, "OUTBREAKHQ_PROTOCOL_OVERRIDES", "") or "")
        config = Config(population=options["population"], days=options["days"],
                        seed=options["seed"], r0=options.get("r0", 2.5), protocol=name,
                        protocol_overrides=overrides,
                        respond=not options.get("no_response", False))
        if options.get("load") and not options.get("replace"):
            self._refuse_if_loaded()
        started = time.monotonic()
        try:
            with tqdm(total=config.days, desc="simulating", unit="day", file=sys.stderr,
                      disable=options.get("verbosity", 1) == 0) as bar:
                scenario = simulate(config, progress=lambda _day: bar.update(1))
        except (protocols.ProtocolError, ValueError) as exc:
            # Unknown preset, or parameters the model cannot run (R0 beyond what groups hold).
            raise CommandError(str(exc)) from exc
        rows = scenario.meta["rows"]
        self.stdout.write(
            f"Simulated {config.population:,} people for {config.days} days in "
            f"{time.monotonic() - started:.1f} s: {rows['infections']:,} infections, "
            f"{rows['cases']:,} cases, {rows['contacts']:,} contacts, {rows['tubes']:,} tubes.")
        if options.get("load"):
            self._load(scenario, replace=options.get("replace", False))
        else:
            self._write(scenario, out=options["out"], fmt=options["format"])

    def _refuse_if_loaded(self) -> None:
        """Say so before minutes of simulation, not after (the loader checks again, atomically)."""
        if Area.objects.filter(code=str(REGION_CODE)).exists():
            raise CommandError(f"region {REGION_CODE} is already loaded; nothing was written. "
                               "Use --replace to replace it.")

    def _load(self, scenario: Any, *, replace: bool) -> None:
        started = time.monotonic()
        try:
            result = loader.load(scenario, replace=replace,
                                 progress=lambda step: sys.stderr.write(f"loading {step}…\n"))
        except (loader.ScenarioExists, loader.ScenarioInUse) as exc:
            raise CommandError(str(exc)) from exc
        t = result.tracing
        recent = " (checks of the last 14 days' windows only)" if t.followups_recent_only else ""
        self.stdout.write(
            f"Loaded region {result.region_code}: {result.areas:,} areas, {result.people:,} "
            f"people, {result.key_group_tags:,} key-group tags, {t.cases:,} cases, "
            f"{t.contacts:,} contacts, {t.followups:,} follow-ups{recent}, {t.teams} tracing "
            f"teams in {time.monotonic() - started:.1f} s; the last simulated day is today. "
            "Risk areas, quarantine sites and stays, support requests, stranded travellers and "
            "daily figures are loaded too.")

    def _write(self, scenario: Any, *, out: Path, fmt: str) -> None:
        try:
            files = writer.write(scenario, out=out, fmt=fmt)
        except (FileExistsError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Wrote {len(files)} tables ({fmt}) and scenario.json to {out}.")
