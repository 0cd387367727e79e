"""`outbreakhq protocol show|list`: see the rules a deployment actually runs.

`show` prints the effective rules (preset + overrides), so an operator can check what a typo-free
`OUTBREAKHQ_PROTOCOL_OVERRIDES` really changed before restarting the service.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from outbreakhq import protocols


class Command(BaseCommand):
    help = "Show the effective protocol rules (preset + overrides) or list the presets."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        show = actions.add_parser("show", help="Print the effective rules.")
        show.add_argument("--name", help="Preset name (default: the OUTBREAKHQ_PROTOCOL setting).")
        show.add_argument(
            "--overrides",
            help="'dotted.key=value;…' (default: the OUTBREAKHQ_PROTOCOL_OVERRIDES setting).",
        )
        show.add_argument("--format", choices=["toml", "json"], default="toml")
        actions.add_parser("list", help="List the shipped presets.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "list":
                self.list_presets()
            else:
                self.show(options)
        except protocols.ProtocolError as exc:
            # The engine's message already names the preset and the key; keep it whole.
            raise CommandError(str(exc)) from exc

    def list_presets(self) -> None:
        configured = settings.OUTBREAKHQ_PROTOCOL
        for name in protocols.available():
            marker = "*" if name == configured else " "
            self.stdout.write(f"{marker} {name}\t{protocols.load(name).meta.title.en}")

    def show(self, options: dict[str, Any]) -> None:
        name = options.get("name") or settings.OUTBREAKHQ_PROTOCOL
        overrides = options.get("overrides")
        if overrides is None:
            overrides = getattr(settings, "OUTBREAKHQ_PROTOCOL_OVERRIDES", "") or ""
        protocol = protocols.load(name, overrides)
        if options.get("format") == "json":
            self.stdout.write(
                json.dumps(protocol.model_dump(mode="json"), ensure_ascii=False, indent=2)
            )
            return
        self.stdout.write(f"# effective protocol: {name}")
        self.stdout.write(f"# overrides: {overrides or '(none)'}\n")
        self.stdout.write(protocols.as_toml(protocol), ending="")
