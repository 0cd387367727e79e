"""`outbreakhq aggregates rebuild [--region CODE]`: recount the command centre's daily figures
from tracing's tables, set-based (after a bulk load, or to repair them)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from outbreakhq.command import aggregates
from outbreakhq.core.models import Area


class Command(BaseCommand):
    help = "Recount the dashboards' daily figures from the case and contact records."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        rebuild = sub.add_parser("rebuild", help="recount every daily figure (or one region's)")
        rebuild.add_argument("--region", metavar="CODE",
                             help="the code of a jurisdiction tree's root (default: all)")

    def handle(self, *args, action: str, region: str | None = None, **options):
        tenant = None
        if region:
            tenant = Area.objects.filter(code=region).first()
            if tenant is None:
                raise CommandError(f"--region: no area has the code {region}")
        began = time.perf_counter()
        rows = aggregates.rebuild(tenant)
        self.stdout.write(f"{rows} daily figure rows written in "
                          f"{time.perf_counter() - began:.1f} s\n")
