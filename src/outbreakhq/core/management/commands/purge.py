"""`outbreakhq purge [--dry-run] [--area CODE] [--user NAME]`: the retention purge (core/purge.py),
meant to run daily from cron or a systemd timer."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from outbreakhq.core import purge
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import AppError
from outbreakhq.core.models import Area
from outbreakhq.core.retention import RetentionError


class Command(BaseCommand):
    help = "Delete the records whose retention period has run out, in every tree whose " \
           "outbreak is declared over. One transaction and one audit event per tree."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="report what would be deleted, delete nothing")
        parser.add_argument("--area", default="", help="only this tree (code of its root)")
        parser.add_argument("--user", default="",
                            help="run as this administrator (default: the scheduled run, "
                                 "audited as the command line)")

    def handle(self, *args, dry_run: bool, area: str, user: str, **options):
        actor = None  # the scheduled run: audited as the command line, with no user
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"No user named {user!r}.")
            actor = Actor.for_command(account)
        tenants = None
        if area:
            tree = Area.objects.roots().filter(code=area).first()
            if tree is None:
                raise CommandError(f"No jurisdiction tree with root code {area!r}.")
            tenants = [tree]
        try:
            results = purge.purge(actor=actor, dry_run=dry_run, tenants=tenants)
        except (AppError, RetentionError) as exc:
            raise CommandError(str(exc)) from None
        verb = "would delete" if dry_run else "deleted"
        for result in results:
            if result.declaration is None:
                self.stdout.write(f"{result.tenant.code}: active, nothing purged")
                continue
            counts = ", ".join(f"{k}={n}" for k, n in result.counts.items()) or "nothing due"
            self.stdout.write(f"{result.tenant.code}: {verb} {counts}")
        if not results:
            self.stdout.write("No outbreak is declared over: nothing to purge.")
