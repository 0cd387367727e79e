"""`outbreakhq serve`: the production server (gunicorn, static files through whitenoise)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.test import Client

from outbreakhq import config, production
from outbreakhq.cli import unmigrated_hint


class Command(BaseCommand):
    help = "Serve OutbreakHQ with gunicorn, or with --get PATH answer one request in-process."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=config.get("OUTBREAKHQ_BIND"))
        parser.add_argument("--workers", type=int, default=int(config.get("OUTBREAKHQ_WORKERS")))
        parser.add_argument("--threads", type=int, default=int(config.get("OUTBREAKHQ_THREADS")))
        parser.add_argument("--no-worker", action="store_true",
                            help="do not start the background worker (run `outbreakhq db_worker` "
                                 "elsewhere for large exports and imports)")
        parser.add_argument("--no-scheduler", action="store_true",
                            help="do not start the scheduler of periodic jobs (run `outbreakhq "
                                 "scheduler` elsewhere, or `scheduler --once` from cron)")
        parser.add_argument("--get", metavar="PATH",
                            help="request PATH in-process, print the response, fail unless 200")
        parser.add_argument("--skip-collectstatic", action="store_true",
                            help="start without collecting the static files again when they "
                                 "were collected before (also OUTBREAKHQ_SKIP_COLLECTSTATIC=1)")

    def handle(self, *args, bind: str, workers: int, threads: int, get: str | None,
               no_worker: bool, no_scheduler: bool = False, **options):
        if hint := unmigrated_hint():  # a server (or smoke test) of an empty database helps no one
            raise CommandError(hint)
        # The pages name their static files through the manifest collectstatic writes: even the
        # one-request smoke test needs it (a fresh checkout has none yet). It takes about a
        # minute (Brotli): skipped on request when a manifest is already there.
        skip = options.get("skip_collectstatic") or config.flag("OUTBREAKHQ_SKIP_COLLECTSTATIC")
        if not (skip and (Path(settings.STATIC_ROOT) / "staticfiles.json").is_file()):
            call_command("collectstatic", interactive=False, verbosity=0)
        if get:
            return self.smoke(get)
        if not no_worker:
            # Large exports and imports run as django.tasks in a database-backed worker; it shares
            # the terminal's process group, so Ctrl-C stops it with the server.
            subprocess.Popen([sys.executable, "-m", "outbreakhq.cli", "db_worker", "--no-reload"])
            self.stdout.write("Background worker started (outbreakhq db_worker).")
        if not no_scheduler:
            # The morning reports, regrading, escalation and purge (core/periodic.py): each slot
            # runs once even when several servers start a scheduler each.
            subprocess.Popen([sys.executable, "-m", "outbreakhq.cli", "scheduler"])
            self.stdout.write("Scheduler started (outbreakhq scheduler).")
        self.stdout.write(f"Serving OutbreakHQ on http://{bind}/ (Ctrl-C to stop)")
        sys.stdout.flush()
        os.execvp(sys.executable, [
            sys.executable, "-m", "gunicorn", "outbreakhq.wsgi:application",
            *production.gunicorn_arguments(
                bind=bind, workers=workers, threads=threads,
                keepalive=int(config.get("OUTBREAKHQ_KEEPALIVE")),
                request_timeout=settings.OUTBREAKHQ_REQUEST_TIMEOUT),
            "--env", f"DJANGO_SETTINGS_MODULE={os.environ.get('DJANGO_SETTINGS_MODULE')}",
        ])

    def smoke(self, path: str) -> None:
        host = settings.ALLOWED_HOSTS[0] if settings.ALLOWED_HOSTS else "localhost"
        # Over HTTPS a plain request is redirected (301): ask as a browser would, over HTTPS.
        response = Client(HTTP_HOST=host).get(path, secure=settings.SECURE_SSL_REDIRECT)
        self.stdout.write(response.content.decode(errors="replace")[:2000])
        if response.status_code != 200:
            raise CommandError(f"GET {path} answered {response.status_code}, not 200")
