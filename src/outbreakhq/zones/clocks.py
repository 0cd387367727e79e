"""The clocks over the database: each area's ClockState from the event log, and the
designations in force on a day. Read-only; services and the public list both use it."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Q

from outbreakhq import protocols
from outbreakhq.zones.models import Designation, Status, ZoneEvent
from outbreakhq.zones.rules import (
    INFECTION,
    ROUND_POSITIVE,
    STAY,
    AreaEvent,
    ClockRules,
    ClockState,
    run_clock,
)

GRADING_KINDS = (INFECTION, STAY, ROUND_POSITIVE)


def clock_rules() -> ClockRules:
    return ClockRules.from_grading(protocols.current().grading)


def clocks_on(day: date, area_ids: list[int] | None = None, *, look_ahead: bool = True
              ) -> dict[int, tuple[ClockState, int, int]]:
    """Each graded area's clock at the end of `day`, the last event it read and its tree, in
    one pass over the log. Areas whose log holds only negative rounds have no clock (nothing
    ever graded them) and are not read. `look_ahead`: compute the earliest dates too."""
    rules = clock_rules()
    grading = ZoneEvent.objects.filter(day__lte=day, kind__in=GRADING_KINDS)
    if area_ids is not None:
        grading = grading.filter(area_id__in=area_ids)
    rows = ZoneEvent.objects.filter(day__lte=day, area_id__in=grading.values("area_id"))
    per_area: dict[int, dict[date, list]] = defaultdict(lambda: defaultdict(list))
    last_id: dict[int, int] = {}
    tenant: dict[int, int] = {}
    for area_id, event_id, tenant_id, event_day, kind, ref in rows.order_by().values_list(
            "area_id", "id", "tenant_id", "day", "kind", "ref").iterator(chunk_size=5000):
        per_area[area_id][event_day].append(AreaEvent(event_day, kind, ref))
        if event_id > last_id.get(area_id, 0):
            last_id[area_id] = event_id
        tenant[area_id] = tenant_id
    states = {}
    for area_id, days in per_area.items():
        clock = run_clock(rules, days, day)
        states[area_id] = (clock.state(look_ahead=look_ahead), last_id[area_id], tenant[area_id])
    return states


def in_force(day: date, rows=None):
    """Approved designations in force on `day` (of `rows`, a scoped queryset, if given)."""
    rows = Designation.objects.all() if rows is None else rows
    return rows.filter(status=Status.APPROVED, since__lte=day).filter(
        Q(until__isnull=True) | Q(until__gte=day))
