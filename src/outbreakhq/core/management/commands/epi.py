"""`outbreakhq epi TOOL ...`: the pure epidemiological tools of epi/ on files and numbers, no
database (`epi pooling`, `epi rt`).

Each tool is a module of `outbreakhq.epi` with `add_arguments(parser)` and `run(options) -> str`
(the text to print; a ValueError becomes a one-line error). A new tool adds its line to TOOLS.
"""

from __future__ import annotations

import importlib

from django.core.management.base import BaseCommand, CommandError

TOOLS: dict[str, tuple[str, str]] = {
    # name: (module of outbreakhq.epi, one-line help)
    "rt": ("outbreakhq.epi.rt_cli",
           "the reproduction number over time (Cori et al. 2013, as EpiEstim's estimate_R)"),
    "pooling": ("outbreakhq.epi.pooling_cli",
                "pooled testing designs at a prevalence: tests per person, ratio to H(p)"),
}


class Command(BaseCommand):
    help = "Epidemiological tools on files and numbers (no database): " + ", ".join(TOOLS)
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        tools = parser.add_subparsers(dest="tool", required=True, metavar="TOOL")
        for name, (module, text) in TOOLS.items():
            sub = tools.add_parser(name, help=text, description=text)
            importlib.import_module(module).add_arguments(sub)

    def handle(self, *args, tool: str, **options):
        module = importlib.import_module(TOOLS[tool][0])
        try:
            self.stdout.write(module.run(options), ending="")
        except ValueError as problem:
            raise CommandError(str(problem)) from problem
