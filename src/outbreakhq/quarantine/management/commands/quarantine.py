"""`outbreakhq quarantine schedule --kind KIND --start DATE [--format csv|json]` and
`outbreakhq quarantine switch --to PRESET --on DATE --user NAME [--apply]`.

Prints the schedule of a stay of that kind starting that day under the deployment's preset
(`OUTBREAKHQ_PROTOCOL` with its overrides): one row per day, columns `day, date, phase, test`
(`test` true on a test day). A kind whose rule quarantines nobody prints the header only (csv)
or `[]` (json), and says so on stderr.

`outbreakhq quarantine untested --user NAME [--site N] [--format csv|json]` lists the
closed-loop staff in the user's cohorts who have no test recent enough today for their cohort
kind (the preset's `quarantine.staff_test_every_days`), counting screening's results too.

`outbreakhq quarantine day --user NAME [--site N] [--format csv|json]` prints today's work in
the user's sites: one row per stay arriving, due for release, with a test due or overdue, and,
with --site, per room with free beds (columns `list, site, room, free_beds, stay, person, start,
planned_end`).

`switch` previews (or with `--apply`, writes) what moving to another preset on a date does to
the stays running in the user's sites: new last day, and who is released that day because of it.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext

from outbreakhq import protocols
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import AppError
from outbreakhq.quarantine import rules, services, worklists
from outbreakhq.quarantine.models import KIND_LABELS
from outbreakhq.quarantine.services.switch import apply_switch, switch_preview

COLUMNS = ("day", "date", "phase", "test")
DAY_COLUMNS = ("list", "site", "room", "free_beds", "stay", "person", "start", "planned_end")
UNTESTED_COLUMNS = ("member", "person", "name", "cohort", "kind", "every_days", "last_test")


class Command(BaseCommand):
    help = "Quarantine tools: the schedule of a stay under the deployment's protocol preset."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        plan = actions.add_parser("schedule", help="The days, phases and test days of a stay.")
        plan.add_argument("--kind", required=True,
                          help=f"Kind of person: {', '.join(protocols.PERSON_CATEGORIES)}.")
        plan.add_argument("--start", required=True, help="First day of the stay (YYYY-MM-DD).")
        plan.add_argument("--format", choices=["csv", "json"], default="csv")
        move = actions.add_parser("switch", help="Move running stays to another preset.")
        move.add_argument("--to", required=True,
                          help=f"Preset: {', '.join(protocols.available())}.")
        move.add_argument("--on", required=True, help="The day the new preset applies.")
        move.add_argument("--user", required=True, help="whose sites, and who is audited")
        move.add_argument("--apply", action="store_true", help="Write it (default: preview).")
        untested = actions.add_parser("untested", help="Closed-loop staff not tested today.")
        untested.add_argument("--user", required=True, help="whose cohorts, and who is audited")
        untested.add_argument("--site", type=int, help="only the staff of this quarantine site")
        untested.add_argument("--format", choices=["csv", "json"], default="csv")

        day = actions.add_parser("day", help="Today's work: arrivals, releases due, tests "
                                              "due and overdue, rooms free.")
        day.add_argument("--user", required=True, help="whose sites")
        day.add_argument("--site", type=int, help="one site (and its rooms with free beds)")
        day.add_argument("--format", choices=["csv", "json"], default="csv")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "day":
            self.day(options)
            return
        if options["action"] == "switch":
            self.switch(options)
            return
        if options["action"] == "untested":
            self.untested(options)
            return
        kind = options["kind"]
        if kind not in protocols.PERSON_CATEGORIES:
            raise CommandError(f"--kind: unknown kind {kind!r}; one of "
                               f"{', '.join(protocols.PERSON_CATEGORIES)}")
        start = _date(options["start"], "--start")
        try:
            protocol = protocols.current()
        except protocols.ProtocolError as exc:
            raise CommandError(str(exc)) from exc
        days = rules.schedule(protocol.rule_for(kind), start)
        if not days:
            self.stderr.write(gettext("the protocol %(preset)s quarantines no %(kind)s")
                              % {"preset": protocol.meta.name,
                                 "kind": KIND_LABELS.get(kind, kind)})
        if options["format"] == "json":
            self.stdout.write(json.dumps([d.as_dict() for d in days], indent=2))
            return
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(COLUMNS)
        for d in days:
            writer.writerow((d.day, d.date.isoformat(), d.phase, "true" if d.test else "false"))

    def untested(self, options: dict[str, Any]) -> None:
        actor = _actor(options["user"])
        today = timezone.localdate()
        try:
            site = (services.access_site(actor, options["site"]) if options["site"] is not None
                    else None)
            rows = worklists.untested_today(actor, today, site=site, limit=100_000)
        except AppError as exc:
            raise CommandError(f"--site: {exc}" if options["site"] is not None else str(exc)
                               ) from exc
        table = [{"member": r.member.pk, "person": r.member.person_id,
                  "name": r.member.person.name, "cohort": r.member.cohort.name,
                  "kind": r.member.cohort.kind, "every_days": r.every_days,
                  "last_test": r.last_test.isoformat() if r.last_test else ""} for r in rows]
        self._print(table, UNTESTED_COLUMNS, options["format"])

    def day(self, options: dict[str, Any]) -> None:
        """One row per stay of each list (`list`: arrival, release_due, test_due,
        test_overdue), then, with --site, one per room with free beds (`list` room_free)."""
        actor = _actor(options["user"])
        today = timezone.localdate()
        try:
            site = (services.access_site(actor, options["site"]) if options["site"] is not None
                    else None)
        except AppError as exc:
            raise CommandError(f"--site: {exc}") from exc
        work = worklists.site_day(actor, site, today, limit=100_000)
        table = [{"list": name, "site": s.site.name, "room": s.room.number if s.room else "",
                  "free_beds": "", "stay": s.pk, "person": s.person_id,
                  "start": s.start.isoformat(), "planned_end": s.planned_end.isoformat()}
                 for name, rows in (("arrival", work.arrivals),
                                    ("release_due", work.releases_due),
                                    ("test_due", work.tests_due),
                                    ("test_overdue", work.tests_overdue)) for s in rows]
        if site is not None:
            table += [{"list": "room_free", "site": site.name, "room": r.number,
                       "free_beds": r.free, "stay": "", "person": "", "start": "",
                       "planned_end": ""} for r in worklists.free_rooms(site, today)]
        self._print(table, DAY_COLUMNS, options["format"])

    def _print(self, table: list[dict], columns: tuple[str, ...], fmt: str) -> None:
        """The rows as JSON or as CSV with `columns`."""
        if fmt == "json":
            self.stdout.write(json.dumps(table, indent=2, ensure_ascii=False))
            return
        writer = csv.DictWriter(self.stdout, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(table)

    def switch(self, options: dict[str, Any]) -> None:
        on = _date(options["on"], "--on")
        actor = _actor(options["user"])
        try:
            rows = switch_preview(actor=actor, to=options["to"], on=on)
            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerow(("stay", "person", "site", "start", "old_end", "new_end",
                             "released_on_switch"))
            for row in rows:
                writer.writerow((row.stay.pk, row.stay.person_id, row.stay.site.name,
                                 row.stay.start, row.outcome.old_end, row.outcome.new_end,
                                 "true" if row.outcome.released_today else "false"))
            if options["apply"]:
                done, released = apply_switch(actor=actor, to=options["to"], on=on)
                self.stderr.write(f"{done} stays now follow {options['to']}; {released} released")
        except AppError as exc:
            raise CommandError(str(exc)) from exc


def _actor(username: str) -> Actor:
    account = get_user_model().objects.filter(username=username, is_active=True).first()
    if account is None:
        raise CommandError(f"--user: no active user named {username!r}.")
    return Actor.for_command(account)


def _date(raw: str, flag: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"{flag}: {raw!r} is not a date (YYYY-MM-DD)") from None
