"""`outbreakhq chains [--area CODE] [--format json|text]`: the transmission chains in figures.

Number of chains, the size and depth (generations) of each, the cases with no known source and
those whose infector a file named but nobody imported (`source_not_listed`), for the whole
database or one area's subtree. Prints record numbers with the cases' external ids (the ids of
the files they came from), never a name.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from outbreakhq.core.models import Area
from outbreakhq.tracing import scope_chains as chains


class Command(BaseCommand):
    help = "Transmission chains: how many, the size and depth of each, cases with no source."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--area", help="Area code: only the cases of its subtree.")
        parser.add_argument("--format", choices=["json", "text"], default="text")
        parser.add_argument("--top", type=int, default=0,
                            help="Only the N largest chains in the list (0: all).")

    def handle(self, *args: Any, **options: Any) -> None:
        area = None
        if options["area"]:
            area = Area.objects.filter(code=options["area"]).first()
            if area is None:
                raise CommandError(f"No area with code {options['area']}.")
        data = chains.as_dict(chains.area_chains(area))
        data["area"] = area.code if area else None
        if options["top"] > 0:
            data["sizes"] = data["sizes"][: options["top"]]
        if options["format"] == "json":
            self.stdout.write(json.dumps(data, indent=2))
        else:
            self.write_text(data)

    def write_text(self, data: dict) -> None:
        where = data["area"] or "all areas"
        self.stdout.write(f"{data['cases']} cases in {data['chains']} chains ({where})")
        self.stdout.write(f"{'root':>12} {'size':>8} {'depth':>6}")
        for chain in data["sizes"]:
            flag = "  CYCLE" if chain["has_cycle"] else ""
            roots = ",".join(_named(r, e) for r, e in zip(chain["root"][:3],
                                                          chain["root_external_id"], strict=False))
            self.stdout.write(f"{roots:>12} {chain['size']:>8} {chain['depth']:>6}{flag}")
        self.stdout.write(f"{len(data['without_source'])} cases without a known source")
        waiting = data["source_not_listed"]
        self.stdout.write(f"{len(waiting)} cases whose source is not listed (named by a file, "
                          f"not imported)")
        for case in waiting:
            self.stdout.write(f"  {_named(case['case'], case['external_id'])} <- "
                              f"{case['source_external_id']}")


def _named(pk: int, external_id: str) -> str:
    """A case as the output names it: its record number, and its external id when it has one."""
    return f"#{pk} ({external_id})" if external_id else f"#{pk}"
