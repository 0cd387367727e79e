"""What zones tells the situation report (command asks, never imports: core/hooks.py):
`zones.changes_on(area_path, day)` and `zones.alerts_on(area_path, day)`. Aggregates and area
names only, no person."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q

from outbreakhq.zones.clocks import clock_rules
from outbreakhq.zones.models import Alert, Designation, Status

LIMIT = 200


def changes_on(area_path: str, day: date) -> list[dict]:
    """The designations of the subtree that took effect or ended on `day`: each area with the
    grade before and after (None: not designated) and whether it went up or down."""
    approved = Designation.objects.filter(area__path__startswith=area_path,
                                          status=Status.APPROVED)
    started = {d.area_id: d for d in approved.filter(since=day).select_related("area")[:LIMIT]}
    ended = {d.area_id: d for d in approved.filter(until=day - timedelta(days=1))
             .select_related("area")[:LIMIT]}
    rules = clock_rules()
    rows = []
    for area_id in started.keys() | ended.keys():
        after, before = started.get(area_id), ended.get(area_id)
        to, was = (after.grade if after else None), (before.grade if before else None)
        if to == was:
            continue
        rows.append({"area": (after or before).area, "from": was, "to": to,
                     "up": rules.rank(to) < rules.rank(was)})
    return sorted(rows, key=lambda r: (not r["up"], r["area"].path))


def alerts_on(area_path: str, day: date) -> list[dict]:
    """The alerts of the subtree raised on `day`, and older ones not yet acknowledged."""
    alerts = (Alert.objects.filter(area__path__startswith=area_path, day__lte=day)
              .filter(Q(day=day) | Q(acknowledged_at__isnull=True))
              .select_related("area").order_by("-day", "-id")[:LIMIT])
    return [{"area": a.area, "kind": a.get_kind_display(), "day": a.day,
             "acknowledged": a.acknowledged_at is not None} for a in alerts]
