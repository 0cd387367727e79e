"""Support's home panels and dashboard tile (core/hooks.py HomePanel, DashboardTile)."""

from __future__ import annotations

from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can
from outbreakhq.support import worklists
from outbreakhq.support.models import Kind, Status, SupportRequest, Traveller, Urgency
from outbreakhq.support.services import escalate_overdue


def worker(actor, area) -> dict:
    """The community worker's urgent, overdue and new requests."""
    return worklists.worker_panel(actor, area)


def command(actor, area) -> dict | None:
    """Requests escalated to command (deadline passed, nobody took them on)."""
    escalate_overdue()
    return worklists.command_panel(actor, area)


# The tile's columns: a request waits for a team, is with one, or is done.
STAGES = {Status.RECEIVED: 0, Status.TRIAGED: 0, Status.ASSIGNED: 1, Status.IN_PROGRESS: 1,
          Status.DELIVERED: 2, Status.CLOSED: 2}


def tile(actor, area) -> dict:
    """Aggregates only. Requests per kind as one row each (waiting for a team, with a team,
    done), not a row per kind and status: eight short rows fit a phone, forty cards did not."""
    figures = worklists.figures(actor, area)
    by_kind: dict[str, list[int]] = {}
    for row in figures["by_kind_status"]:
        by_kind.setdefault(row["kind"], [0, 0, 0])[STAGES[row["status"]]] += row["n"]
    figures["by_kind"] = [(Kind(kind).label, *counts) for kind, counts in
                          sorted(by_kind.items(), key=lambda kv: list(Kind).index(kv[0]))]
    figures["response"] = [(Urgency(u).label, times) for u, times in figures["response"].items()]
    return figures


def person(actor, person) -> dict:
    """The person page's section: their support requests and traveller record, each read
    through its scoped queryset with support's own capabilities (nothing for other roles)."""
    requests = (list(SupportRequest.objects.visible_to(actor, Can.HANDLE_SUPPORT)
                     .filter(person=person).order_by("-received_at")[:10])
                if can(actor, Can.HANDLE_SUPPORT) else [])
    travellers = (list(Traveller.objects.visible_to(actor, Can.MANAGE_TRAVELLERS)
                       .filter(person=person).order_by("-since")[:5])
                  if can(actor, Can.MANAGE_TRAVELLERS) else [])
    return {"requests": requests, "travellers": travellers}
