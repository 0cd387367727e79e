"""The clocks over the database: each area's ClockState from the event log, and the
designations in force on a day. Read-only; services and the public list both use it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date

from django.db import connection
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


def clocks_on(day: date, area_ids: Iterable[int] | None = None, *, look_ahead: bool = True
              ) -> dict[int, tuple[ClockState, int, int]]:
    """Each graded area's clock at the end of `day`, the last event it read and its tree, in
    one pass over the log. Areas whose log holds only negative rounds have no clock (nothing
    ever graded them) and are not read. `look_ahead`: compute the earliest dates too."""
    rules = clock_rules()
    states = {}
    for area_id, tenant_id, last_id, per_day in read_logs(day, area_ids):
        clock = run_clock(rules, per_day, day)
        states[area_id] = (clock.state(look_ahead=look_ahead), last_id, tenant_id)
    return states


CHUNK = 2000  # area ids per statement (SQLite's limit on parameters)


def read_logs(day: date, area_ids: Iterable[int] | None = None
              ) -> Iterator[tuple[int, int, int, dict[date, list[AreaEvent]]]]:
    """(area, tree, last event id, events by day) of every area with a grading event on or
    before `day` (of `area_ids` if given), one ordered read per chunk of areas. Plain SQL
    rather than the ORM: this is the daily job's whole read (tens of thousands of rows), and
    the ORM's per-row converters cost more than the clocks themselves."""
    table = connection.ops.quote_name(ZoneEvent._meta.db_table)
    sqlite = connection.vendor == "sqlite"
    day_column = "CAST(e.day AS TEXT)" if sqlite else "e.day"  # no converter on SQLite
    kinds = ", ".join(["%s"] * len(GRADING_KINDS))
    base = (f"SELECT e.area_id, e.tenant_id, e.id, {day_column}, e.kind, e.ref FROM {table} e "
            f"WHERE e.day <= %s AND e.area_id IN (SELECT g.area_id FROM {table} g "
            f"WHERE g.day <= %s AND g.kind IN ({kinds}){{only}}) "
            f"ORDER BY e.area_id, e.day, e.id")
    params = [day, day, *GRADING_KINDS]
    if area_ids is None:
        chunks = [(base.format(only=""), params)]
    else:
        ids = sorted(set(area_ids))
        chunks = []
        for i in range(0, len(ids), CHUNK):
            part = ids[i:i + CHUNK]
            marks = ", ".join(["%s"] * len(part))
            chunks.append((base.format(only=f" AND g.area_id IN ({marks})"), params + part))
    days: dict[object, date] = {}
    for sql, chunk_params in chunks:
        with connection.cursor() as cursor:
            cursor.execute(sql, chunk_params)
            rows = cursor.fetchall()
        current, tenant, last, per_day = None, 0, 0, None
        for area_id, tenant_id, event_id, raw_day, kind, ref in rows:
            if area_id != current:
                if current is not None:
                    yield current, tenant, last, per_day
                current, tenant, last, per_day = area_id, tenant_id, 0, defaultdict(list)
            event_day = days.get(raw_day)
            if event_day is None:
                event_day = days[raw_day] = (date.fromisoformat(raw_day)
                                             if isinstance(raw_day, str) else raw_day)
            per_day[event_day].append(AreaEvent(event_day, kind, ref))
            if event_id > last:
                last = event_id
        if current is not None:
            yield current, tenant, last, per_day


def in_force(day: date, rows=None):
    """Approved designations in force on `day` (of `rows`, a scoped queryset, if given)."""
    rows = Designation.objects.all() if rows is None else rows
    return rows.filter(status=Status.APPROVED, since__lte=day).filter(
        Q(until__isnull=True) | Q(until__gte=day))
