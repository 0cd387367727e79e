"""`outbreakhq scheduler [--once] [--list]`: run the periodic jobs the apps declare
(core/periodic.py), each slot once however many schedulers run. `outbreakhq serve` starts it
next to the task worker; cron calling `outbreakhq scheduler --once` every minute also works."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from outbreakhq.cli import unmigrated_hint
from outbreakhq.core import periodic


class Command(BaseCommand):
    help = "Run the periodic jobs (morning reports, regrading, escalation, purge) on time."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true",
                            help="run the jobs whose slot is due now, then exit")
        parser.add_argument("--list", action="store_true", dest="list_jobs",
                            help="list the jobs, their next slot and their last run")

    def handle(self, *args, once: bool, list_jobs: bool, **options):
        if hint := unmigrated_hint():
            self.stderr.write(hint)
            return
        if list_jobs:
            return self.list_jobs()
        if once:
            for row in periodic.run_due():
                self.stdout.write(self.describe(row))
            return
        self.stdout.write(f"Scheduler running {len(periodic.JOBS)} job(s) (Ctrl-C to stop).")
        self.stdout.flush()
        periodic.loop(sleep=time.sleep, log=self.stdout.write)

    def list_jobs(self) -> None:
        zone = timezone.get_default_timezone()
        now = timezone.now()
        for job in periodic.JOBS:
            nxt = periodic.next_slot(job, now, zone).astimezone(zone)
            last = periodic.last_runs(job.name)
            done = self.describe(last[0]) if last else "never run"
            self.stdout.write(f"{job.name:<22} {job.when:<16} next {nxt:%Y-%m-%d %H:%M %Z}  "
                              f"last: {done}")

    @staticmethod
    def describe(row) -> str:
        zone = timezone.get_default_timezone()
        detail = row.error or row.summary
        return (f"{row.job} {row.slot.astimezone(zone):%Y-%m-%d %H:%M} {row.status}"
                + (f": {detail.splitlines()[-1]}" if detail else ""))
