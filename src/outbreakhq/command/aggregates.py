"""Daily aggregates kept up to date as records change, so that dashboards never scan records.

A change to a case or contact refreshes the figures of the record's area: its rows are
recounted from tracing's tables with one grouped query per table (an area's own records, an
index range), inside the publisher's transaction. `rebuild()` recounts everything set-based
after a bulk load (`outbreakhq aggregates rebuild`, wiring/scenario_loader.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, F
from django.db.models.functions import Coalesce, TruncDate

from outbreakhq.command.models import DailyFigure
from outbreakhq.core import events
from outbreakhq.core.models import Area
from outbreakhq.tracing.models import Case, Classification, Contact

# Cases counted as new cases: confirmed and asymptomatic infections (not suspected, not
# discarded); a reclassification moves a case in or out at its next refresh.
COUNTED = (Classification.CONFIRMED, Classification.ASYMPTOMATIC)
BATCH = 5000


def _count(area_ids: Iterable[int] | None, tenant_id: int | None = None) -> dict:
    """{(area id, day, route, under control): [reported, by onset, contacts]} recounted."""
    cases = Case.objects.filter(classification__in=COUNTED)
    contacts = Contact.objects.all()
    if area_ids is not None:
        ids = list(area_ids)
        cases, contacts = cases.filter(area_id__in=ids), contacts.filter(area_id__in=ids)
    if tenant_id is not None:
        cases, contacts = cases.filter(tenant_id=tenant_id), contacts.filter(tenant_id=tenant_id)
    found: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    for area, day, route, control, n in cases.values_list(
            "area_id", "report_date", "detection_route", "under_control_when_found").annotate(
            n=Count("id")).order_by():
        found[(area, day, route, control)][0] += n
    for area, day, route, control, n in cases.annotate(
            onset=Coalesce(F("onset_date"), F("report_date"))).values_list(
            "area_id", "onset", "detection_route", "under_control_when_found").annotate(
            n=Count("id")).order_by():
        found[(area, day, route, control)][1] += n
    for area, day, n in contacts.annotate(day=TruncDate("created_at")).values_list(
            "area_id", "day").annotate(n=Count("id")).order_by():
        found[(area, day, "", False)][2] += n
    return found


def _write(found: dict) -> int:
    areas = {a.id: a for a in Area.objects.filter(id__in={k[0] for k in found}).only(
        "id", "path", "root_id")}
    rows = [DailyFigure(tenant_id=areas[a].tenant_id, area_id=a, area_path=areas[a].path,
                        day=day, route=route, under_control=control, cases_reported=r,
                        cases_by_onset=o, contacts_new=c)
            for (a, day, route, control), (r, o, c) in found.items() if a in areas]
    DailyFigure.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def refresh_areas(area_ids: Iterable[int]) -> int:
    """Recount the figures of these areas (their own records, not their subtrees)."""
    ids = sorted(set(area_ids))
    if not ids:
        return 0
    with transaction.atomic():
        DailyFigure.objects.filter(area_id__in=ids).delete()
        return _write(_count(ids))


def rebuild(tenant: Area | None = None) -> int:
    """Recount every figure (of one jurisdiction tree), set-based; the rows written."""
    with transaction.atomic():
        if tenant is None:
            DailyFigure.objects.all().delete()
            return _write(_count(None))
        DailyFigure.objects.filter(tenant_id=tenant.tenant_id).delete()
        return _write(_count(None, tenant.tenant_id))


def _on_record(event: events.RecordEvent) -> None:
    refresh_areas([event.area.pk])


def _on_import(event: events.RecordsImported) -> None:
    refresh_areas({(r.area.pk if r.area is not None else r.person.home_area_id)
                   for r in event.records})


def subscribe() -> None:
    events.subscribe(events.CaseOpened, events.CaseChanged, events.ContactAdded)(_on_record)
    events.subscribe(events.CasesImported, events.ContactsImported)(_on_import)
