"""Support's scoped reads: the queue, the escalated list, the home panels and the dashboard's
figures. Every read goes through the models' scoped querysets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from outbreakhq.core.actor import Actor
from outbreakhq.core.models import Area
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can
from outbreakhq.support import rules
from outbreakhq.support.models import (
    Status,
    SupportRequest,
    Traveller,
    TravellerStatus,
)
from outbreakhq.support.services.requests import escalate_overdue
from outbreakhq.support.services.travellers import eligibility_of_many

PAGE = 50
ELIGIBLE_CHECKED = 1000  # the tile checks at most this many waiting travellers


@dataclass
class QueuePage:
    rows: list[SupportRequest]
    next_cursor: str | None
    urgent_open: int
    overdue: int
    now: datetime

    @property
    def urgent_text(self) -> str:
        return shown(self.urgent_open)

    @property
    def overdue_text(self) -> str:
        return shown(self.overdue)


def shown(count: int) -> str:
    return f"{COUNT_CAP}+" if count > COUNT_CAP else str(count)


def open_requests(actor: Actor, capability: str = Can.HANDLE_SUPPORT, *,
                  within: Area | None = None):
    return SupportRequest.objects.visible_to(actor, capability, within=within).filter(
        is_open=True)


COUNT_CAP = 1000  # the strip on top says "1000+" beyond: counting further costs and tells little


def capped(rows) -> int:
    """How many rows, counted up to COUNT_CAP + 1 (one more says "more than the cap")."""
    return rows.order_by()[:COUNT_CAP + 1].count()


def waiting_late(rows):
    """Requests past their deadline that nobody has taken on: exactly the escalated ones still
    received or triaged, since every read of the queue escalates first."""
    return rows.filter(escalated_at__isnull=False, status__in=(Status.RECEIVED, Status.TRIAGED))


def _cursor(row: SupportRequest) -> str:
    return f"{row.urgency_rank}_{row.deadline.isoformat()}_{row.pk}"


def _after(cursor: str | None) -> Q | None:
    """Rows after the cursor in (urgency, deadline, number) order; None for a bad cursor."""
    try:
        rank, deadline, pk = (cursor or "").split("_")
        rank, pk, deadline = int(rank), int(pk), parse_datetime(deadline)
    except ValueError:
        return None
    if deadline is None:
        return None
    return (Q(urgency_rank__gt=rank) | Q(urgency_rank=rank, deadline__gt=deadline)
            | Q(urgency_rank=rank, deadline=deadline, pk__gt=pk))


def queue(*, actor: Actor, within: Area | None = None, after: str | None = None,
          kind: str = "", limit: int = PAGE) -> QueuePage:
    """Open requests in scope: most urgent first, then the earliest deadline (so the overdue
    come first within their urgency, and an overdue urgent request is always on top)."""
    escalate_overdue()  # so that the overdue are exactly the escalated still waiting
    now = timezone.now()
    rows = open_requests(actor, within=within)
    counts = {"urgent": capped(rows.filter(urgency_rank=rules.Rank.URGENT)),
              "overdue": capped(waiting_late(rows))}
    if kind:
        rows = rows.filter(kind=kind)
    page = rows.select_related("area", "team").order_by("urgency_rank", "deadline", "pk")
    where = _after(after) if after else None
    if where is not None:
        page = page.filter(where)
    found = list(page[:limit + 1])
    more = len(found) > limit
    found = found[:limit]
    for row in found:
        row.overdue = row.status in (Status.RECEIVED, Status.TRIAGED) and row.deadline < now
    return QueuePage(found, _cursor(found[-1]) if more else None, counts["urgent"],
                     counts["overdue"], now)


def escalated(*, actor: Actor, capability: str, within: Area | None = None, limit: int = 100):
    return list(open_requests(actor, capability, within=within)
                .filter(escalated_at__isnull=False).select_related("area", "team")
                .order_by("urgency_rank", "deadline", "pk")[:limit])


def worker_panel(actor: Actor, area: Area | None) -> dict:
    """The community worker's home: urgent, overdue and new requests in scope (zeros shown: a
    quiet queue reads as quiet, not as a missing panel)."""
    now = timezone.now()
    rows = open_requests(actor, within=area)
    counts = {"urgent": capped(rows.filter(urgency_rank=rules.Rank.URGENT)),
              "overdue": capped(rows.filter(deadline__lt=now, status__in=(Status.RECEIVED,
                                                                          Status.TRIAGED))),
              "new": capped(rows.filter(status=Status.RECEIVED))}
    if not any(counts.values()):
        return {"counts": counts, "top": [], "now": now}
    top = list(rows.filter(Q(urgency_rank=rules.Rank.URGENT) | Q(
        deadline__lt=now, status__in=(Status.RECEIVED, Status.TRIAGED)))
        .select_related("area").order_by("urgency_rank", "deadline", "pk")[:5])
    return {"counts": counts, "top": top, "now": now}


def command_capability(actor: Actor) -> str | None:
    for capability in (Can.ISSUE_DIRECTIVES, Can.HANDLE_SUPPORT):
        if can(actor, capability):
            return capability
    return None


def command_panel(actor: Actor, area: Area | None) -> dict | None:
    """Command's home: requests escalated past their deadline, still waiting."""
    capability = command_capability(actor)
    if capability is None:
        return None
    rows = escalated(actor=actor, capability=capability, within=area, limit=5)
    if not rows:
        return None
    total = open_requests(actor, capability, within=area).filter(
        escalated_at__isnull=False).count()
    return {"rows": rows, "total": total}


def figures(actor: Actor, area: Area | None) -> dict:
    """The dashboard tile: aggregates only (counts and medians), never a row."""
    now = timezone.now()
    requests = SupportRequest.objects.visible_to(actor, Can.VIEW_AGGREGATES, within=area)
    by_kind_status = list(requests.values("kind", "status").annotate(n=Count("pk"))
                          .order_by("kind", "status"))
    overdue_urgent = requests.filter(is_open=True, urgency_rank=rules.Rank.URGENT,
                                     deadline__lt=now,
                                     status__in=(Status.RECEIVED, Status.TRIAGED)).count()
    response = {}
    for urgency in rules.Urgency:
        done = list(requests.filter(urgency=urgency, assigned_at__isnull=False)
                    .values_list("received_at", "assigned_at", "delivered_at")[:5000])
        first = sorted((a - r).total_seconds() / 60 for r, a, _d in done)
        fulfil = sorted((d - r).total_seconds() / 60 for r, _a, d in done if d)
        response[urgency.value] = {"first": _median(first), "fulfil": _median(fulfil)}
    travellers = Traveller.objects.visible_to(actor, Can.VIEW_AGGREGATES, within=area)
    status_counts = dict(travellers.values_list("status").annotate(n=Count("pk")))
    waiting = travellers.filter(status=TravellerStatus.WAITING).select_related("area")
    eligible = sum(e.eligible for e in eligibility_of_many(list(waiting[:ELIGIBLE_CHECKED]),
                                                           now=now))
    return {"by_kind_status": by_kind_status, "overdue_urgent": overdue_urgent,
            "response": response,
            "travellers": {"waiting": status_counts.get(TravellerStatus.WAITING, 0),
                           "eligible": eligible,
                           "on_batch": status_counts.get(TravellerStatus.ON_BATCH, 0),
                           "departed": status_counts.get(TravellerStatus.DEPARTED, 0)
                           + status_counts.get(TravellerStatus.HANDED_OVER, 0)}}


def _median(values: list[float]) -> int | None:
    return round(values[len(values) // 2]) if values else None
