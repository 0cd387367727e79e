"""Support's home panels and dashboard tile (core/hooks.py HomePanel, DashboardTile)."""

from __future__ import annotations

from outbreakhq.support import worklists
from outbreakhq.support.models import Kind, Status, Urgency
from outbreakhq.support.services import escalate_overdue


def worker(actor, area) -> dict | None:
    """The community worker's urgent, overdue and new requests."""
    return worklists.worker_panel(actor, area)


def command(actor, area) -> dict | None:
    """Requests escalated to command (deadline passed, nobody took them on)."""
    escalate_overdue()
    return worklists.command_panel(actor, area)


def tile(actor, area) -> dict:
    figures = worklists.figures(actor, area)
    for row in figures["by_kind_status"]:
        row["kind_label"] = Kind(row["kind"]).label
        row["status_label"] = Status(row["status"]).label
    figures["response"] = [(Urgency(u).label, times) for u, times in figures["response"].items()]
    return figures
