"""`outbreakhq demo`: migrate, load a simulated outbreak if the database is empty, create the
demo users, print the logins and serve. Safe to re-run: existing data and users are kept."""

from __future__ import annotations

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand

from outbreakhq import config
from outbreakhq.core.models import Area
from outbreakhq.wiring.demo_users import DEMO_PASSWORD, ensure_demo_users, login_lines


class Command(BaseCommand):
    help = "Set up a demo outbreak and serve it on http://127.0.0.1:8000."

    def add_arguments(self, parser):
        parser.add_argument("--population", type=int, default=200_000)
        # 17 days: the response has the outbreak in hand but contacts are still followed, so
        # today's worklists have rows (after 60 days the default city's outbreak is long over),
        # and yesterday's screening found positive pools, so today has open recalls (with 18
        # days the last positive pools are two days old and every recall is resulted).
        parser.add_argument("--days", type=int, default=17)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--no-serve", action="store_true", help="set up, print, and stop")

    def handle(self, *args, population: int, days: int, seed: int, no_serve: bool, **options):
        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        if Area.objects.exists():
            self.stdout.write("Demo data already loaded; keeping it (delete var/ to start over).")
        else:
            self.stdout.write(f"Simulating an outbreak in a city of {population:,} people…")
            call_command("simulate", population=population, days=days, seed=seed, load=True)
        logins = ensure_demo_users()
        self.stdout.write(f"Ready in {time.monotonic() - started:.0f} s.\n")
        bind = config.get("OUTBREAKHQ_BIND")
        self.stdout.write(f"Open http://{bind}/ and log in (password for all: {DEMO_PASSWORD}):")
        for line in login_lines(logins):
            self.stdout.write(line)
        if not no_serve:
            call_command("serve")
