"""`outbreakhq roles [--markdown]`: what each role may do, from the one capability table.

`--markdown` prints the table docs/guide.md holds between its `roles:begin` and `roles:end`
markers (a test keeps the two identical); `--endpoints` prints what every page and API operation
needs (core/access.py); without either, one line per role and capability code.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import translation

from outbreakhq.core import access
from outbreakhq.core.roles import CAPABILITIES, Can, Role, role_table_markdown


class Command(BaseCommand):
    help = "Print what each role may do (the capability table of core/roles.py)."

    def add_arguments(self, parser):
        parser.add_argument("--markdown", action="store_true",
                            help="the role table of docs/guide.md, in English")
        parser.add_argument("--endpoints", action="store_true",
                            help="what every page and API operation needs (core/access.py)")

    def handle(self, *args, markdown: bool, endpoints: bool, **options):
        if endpoints:
            self.stdout.write(access.markdown(), ending="")
            return
        if markdown:
            with translation.override("en"):
                self.stdout.write(role_table_markdown(), ending="")
            return
        for role in Role:
            held = " ".join(c.value for c in Can if c in CAPABILITIES[role])
            self.stdout.write(f"{role.value:<11} {held}")
