"""What the clocks read, fed by other modules' events (core/events.py), never by imports.

- A case opened or imported: an infection in the case's area (the person's home area) on the
  day it was recorded, in the deployment's time zone. The events do not carry the case's
  classification; when tracing answers `tracing.case_classification(case_id)`, suspected and
  discarded cases are left out (and a case reclassified as discarded is taken back).
- `PositiveResultRecorded`: an infection in the person's area on the sampling day; a positive
  where the area had no infection in the last `alerts.positivity_window_days` days also raises
  an early-warning alert.
- `ScreeningRoundClosed`: a round event (positive: a new infection that day).

Subscribers run in the publisher's transaction: the event log and the change commit together.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from outbreakhq import protocols
from outbreakhq.core import bulk, hooks
from outbreakhq.core.events import (
    CaseChanged,
    CaseOpened,
    CasesImported,
    PositiveResultRecorded,
    ScreeningRoundClosed,
)
from outbreakhq.core.models import Area
from outbreakhq.zones.models import Alert, AlertKind, ClockWatch, EventKind, ZoneEvent

INFECTIOUS = {"confirmed", "asymptomatic"}
NOT_INFECTIONS = {"suspected", "discarded"}


def _classification(case_id: int) -> str | None:
    return hooks.ask("tracing.case_classification", case_id, default=None)


def record_event(area: Area, day: date, kind: str, ref: str = "") -> ZoneEvent:
    return ZoneEvent.objects.create(tenant_id=area.tenant_id, area=area, day=day, kind=kind,
                                    ref=ref[:80])


def _case_infection(area: Area | None, case_id: int) -> None:
    if area is None:
        return
    ref = f"case {case_id}"
    if _classification(case_id) in NOT_INFECTIONS:
        take_back(ref)
        return
    if not ZoneEvent.objects.filter(kind=EventKind.INFECTION, ref=ref).exists():
        record_event(area, timezone.localdate(), EventKind.INFECTION, ref)


def take_back(ref: str) -> None:
    """Remove the infection `ref` (a discarded case) and have the next regrade read its area
    from that day (a removal adds no new event for the regrade to notice)."""
    gone = ZoneEvent.objects.filter(kind=EventKind.INFECTION, ref=ref)
    for area_id, day in gone.values_list("area_id", "day"):
        watch = ClockWatch.objects.filter(area_id=area_id).first()
        if watch is None:
            ClockWatch.objects.create(area_id=area_id, check_on=day)
        elif watch.check_on is None or watch.check_on > day:
            watch.check_on = day
            watch.save(update_fields=["check_on"])
    gone.delete()


def on_case_opened(event: CaseOpened) -> None:
    _case_infection(event.area, event.record_id)


def on_case_changed(event: CaseChanged) -> None:
    if "classification" in (event.detail or {}).get("fields", ()):
        _case_infection(event.area, event.record_id)


def on_cases_imported(event: CasesImported) -> None:
    """One set-based insert per import batch (the case numbers are new: no event exists).
    Imported cases are as a rule historical: each is an infection on its report date (or its
    onset date, `grading.imported_case_day = "onset"`), as tracing answers
    `tracing.case_days`; on the day of the import only when tracing does not answer."""
    today = timezone.localdate()
    by_onset = protocols.current().grading.imported_case_day == "onset"
    days = hooks.ask("tracing.case_days", [r.record_id for r in event.records], default=None) or {}
    rows = []
    for record in event.records:
        area = record.area or record.person.home_area
        report, onset, classification = days.get(record.record_id, (None, None, None))
        if area is not None and classification not in NOT_INFECTIONS:
            day = (onset if by_onset and onset else report) or today
            rows.append(ZoneEvent(tenant_id=area.tenant_id, area=area, day=day,
                                  kind=EventKind.INFECTION, ref=f"case {record.record_id}"))
    bulk.insert_models(rows)


def on_positive_result(event: PositiveResultRecorded) -> None:
    area = Area.objects.filter(path=event.area_path).first()
    if area is None:
        return
    window = protocols.current().alerts.positivity_window_days
    quiet = not ZoneEvent.objects.filter(
        area__path__startswith=area.path, kind__in=(EventKind.INFECTION, EventKind.ROUND_POSITIVE),
        day__gte=event.sampled_on - timedelta(days=window)).exists()
    record_event(area, event.sampled_on, EventKind.INFECTION, f"result {event.reference}")
    if quiet:
        Alert.objects.create(tenant_id=area.tenant_id, area=area, day=event.sampled_on,
                             kind=AlertKind.POSITIVE_WITHOUT_CASES,
                             detail={"reference": event.reference,
                                     "route": event.detection_route})


def on_round_closed(event: ScreeningRoundClosed) -> None:
    area = Area.objects.filter(path=event.area_path).first()
    if area is None:
        return
    if not event.all_negative:
        kind = EventKind.ROUND_POSITIVE
        Alert.objects.create(tenant_id=area.tenant_id, area=area, day=event.day,
                             kind=AlertKind.POSITIVE_ROUND, detail={"complete": event.complete})
    else:
        kind = EventKind.ROUND_NEGATIVE if event.complete else EventKind.ROUND_INCOMPLETE
    record_event(area, event.day, kind, "round")


def register() -> None:
    hooks.subscribe(CaseOpened)(on_case_opened)
    hooks.subscribe(CaseChanged)(on_case_changed)
    hooks.subscribe(CasesImported)(on_cases_imported)
    hooks.subscribe(PositiveResultRecorded)(on_positive_result)
    hooks.subscribe(ScreeningRoundClosed)(on_round_closed)
