"""The clocks over the database: each area's ClockState from the event log, and the
designations in force on a day. Read-only; services and the public list both use it."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Q

from outbreakhq import protocols
from outbreakhq.zones.models import Designation, Status, ZoneEvent
from outbreakhq.zones.rules import ONE_DAY, AreaEvent, Clock, ClockRules, ClockState


def clock_rules() -> ClockRules:
    return ClockRules.from_grading(protocols.current().grading)


def clocks_on(day: date, area_ids: list[int] | None = None) -> dict[int, tuple[ClockState, int]]:
    """Each area's clock at the end of `day` and the last event it read, in one pass over the
    log (ordered by area and day)."""
    rules = clock_rules()
    rows = ZoneEvent.objects.filter(day__lte=day)
    if area_ids is not None:
        rows = rows.filter(area_id__in=area_ids)
    per_area: dict[int, dict[date, list]] = defaultdict(lambda: defaultdict(list))
    last_id: dict[int, int] = {}
    for area_id, event_id, event_day, kind, ref in rows.order_by().values_list(
            "area_id", "id", "day", "kind", "ref").iterator(chunk_size=5000):
        per_area[area_id][event_day].append(AreaEvent(event_day, kind, ref))
        last_id[area_id] = max(last_id.get(area_id, 0), event_id)
    states = {}
    for area_id, days in per_area.items():
        clock, current = Clock(rules), min(days)
        while current <= day:
            clock.advance(current, days.get(current, ()))
            current += ONE_DAY
        states[area_id] = (clock.state(), last_id[area_id])
    return states


def in_force(day: date, rows=None):
    """Approved designations in force on `day` (of `rows`, a scoped queryset, if given)."""
    rows = Designation.objects.all() if rows is None else rows
    return rows.filter(status=Status.APPROVED, since__lte=day).filter(
        Q(until__isnull=True) | Q(until__gte=day))
