"""Daily aggregates kept up to date as records change, so that dashboards never scan records.

A change to a case or contact refreshes the figures of the record's area: its rows are
recounted from tracing's tables with one grouped query per table (an area's own records, an
index range), inside the publisher's transaction, and the difference is added to the subtree
totals (DailyTotal) of the area and each of its ancestors. `rebuild()` recounts everything
set-based after a bulk load (`outbreakhq aggregates rebuild`, wiring/scenario_loader.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import pyarrow as pa
from django.db import connection, transaction
from django.db.models import Count, F, QuerySet
from django.db.models.functions import Coalesce, TruncDate

from outbreakhq.command.models import DailyFigure, DailyTotal
from outbreakhq.core import bulk, events, locks
from outbreakhq.core.models import PATH_SEP, Area
from outbreakhq.tracing.models import Case, Classification, Contact

# Cases counted as new cases: confirmed and asymptomatic infections (not suspected, not
# discarded); a reclassification moves a case in or out at its next refresh.
COUNTED = (Classification.CONFIRMED, Classification.ASYMPTOMATIC)
BATCH = 5000


def _count(area_ids: Iterable[int] | None, tenant_id: int | None = None) -> dict:
    """{(area id, day, route, under control): [reported, by onset, contacts]} recounted."""
    cases, contacts = Case.objects.all(), Contact.objects.all()
    if area_ids is not None:
        ids = list(area_ids)
        cases, contacts = cases.filter(area_id__in=ids), contacts.filter(area_id__in=ids)
    if tenant_id is not None:
        cases, contacts = cases.filter(tenant_id=tenant_id), contacts.filter(tenant_id=tenant_id)
    return _count_of(cases, contacts)


def _count_of(cases: QuerySet, contacts: QuerySet, *, few: bool = False) -> dict:
    """_count's figures of these cases and contacts. `few`: a batch's new cases (add_new),
    counted by report and onset day together in one query, as their pairs are few; a recount
    of a whole table groups by each day on its own (the pairs of millions of cases are not)."""
    cases = cases.filter(classification__in=COUNTED)
    found: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    onset = Coalesce(F("onset_date"), F("report_date"))
    if few:  # one statement a batch instead of two (issue 14)
        for area, day, first, route, control, n in cases.annotate(onset=onset).values_list(
                "area_id", "report_date", "onset", "detection_route",
                "under_control_when_found").annotate(n=Count("id")).order_by():
            found[(area, day, route, control)][0] += n
            found[(area, first, route, control)][1] += n
        cases = cases.none()
    for area, day, route, control, n in cases.values_list(
            "area_id", "report_date", "detection_route", "under_control_when_found").annotate(
            n=Count("id")).order_by():
        found[(area, day, route, control)][0] += n
    for area, day, route, control, n in cases.annotate(onset=onset).values_list(
            "area_id", "onset", "detection_route", "under_control_when_found").annotate(
            n=Count("id")).order_by():
        found[(area, day, route, control)][1] += n
    for area, day, n in contacts.annotate(day=TruncDate("created_at")).values_list(
            "area_id", "day").annotate(n=Count("id")).order_by():
        found[(area, day, "", False)][2] += n
    return found


MEASURES = ("cases_reported", "cases_by_onset", "contacts_new")


def _insert(model, keys: list[tuple], values: list, **fixed: list) -> int:
    """Rows of `model` from (area id, day, route, under control) keys and their measures,
    written as whole columns (core/bulk.py: COPY on PostgreSQL): a rebuild writes millions."""
    if not keys:
        return 0
    areas, days, routes, flags = zip(*keys, strict=True)
    columns = {"area_id": pa.array(areas, pa.int64()), "day": pa.array(days, pa.date32()),
               "route": pa.array(routes, pa.string()), "under_control": pa.array(flags),
               **{m: pa.array([v[i] for v in values], pa.int64())
                  for i, m in enumerate(MEASURES)},
               **{name: pa.array(column) for name, column in fixed.items()}}
    return bulk.write_columns(model._meta.db_table, pa.table(columns))


def _write(found: dict) -> int:
    areas = {a.id: a for a in Area.objects.filter(id__in={k[0] for k in found}).only(
        "id", "path", "root_id")}
    keys = [k for k in found if k[0] in areas]
    return _insert(DailyFigure, keys, [found[k] for k in keys],
                   tenant_id=[areas[k[0]].tenant_id for k in keys],
                   area_path=[areas[k[0]].path for k in keys])


def _ancestors(area_ids: Iterable[int]) -> dict[int, list[Area]]:
    """Each area's chain from its root down to itself (two queries for any number)."""
    return _chains(Area.objects.filter(id__in=set(area_ids)).only("id", "path", "root_id"))


def _chains(areas: Iterable[Area]) -> dict[int, list[Area]]:
    """_ancestors of areas already read (their paths): one query for any number."""
    own = {a.id: a for a in areas}
    codes = {c for a in own.values() for c in a.path.split(PATH_SEP) if c}
    by_code = {a.code: a for a in Area.objects.filter(code__in=codes).only("id", "code",
                                                                          "root_id")}
    return {i: [by_code[c] for c in a.path.split(PATH_SEP) if c in by_code]
            for i, a in own.items()}


def _roll_up(found: dict, chains: dict[int, list[Area]]) -> dict:
    """{(ancestor id, day, route, control): [measures]} summed over `found`'s areas."""
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    for (area, day, route, control), values in found.items():
        for up in chains.get(area, ()):
            t = totals[(up.id, day, route, control)]
            for i, v in enumerate(values):
                t[i] += v
    return totals


def _add_totals(delta: dict, tenants: dict[int, int]) -> None:
    """Add `delta` to the subtree totals, creating the rows that do not exist yet."""
    new = _add(DailyTotal, delta)
    _insert(DailyTotal, new, [delta[k] for k in new], tenant_id=[tenants[k[0]] for k in new])


def _add(model, delta: dict) -> list[tuple]:
    """Add `delta` to the rows of `model` (figures or totals) that exist: one locked read of
    the keys concerned, the increments as one executemany by row id (an import batch touches
    thousands of keys: Django's bulk_update builds a CASE per column and row). Returns the keys
    that have no row yet, for the caller to insert (as whole columns)."""
    for key in [k for k, v in delta.items() if not any(v)]:
        del delta[key]
    if not delta:
        return []
    existing = {(area, day, route, control): pk for pk, area, day, route, control in
                model.objects.select_for_update().filter(
                    area_id__in={k[0] for k in delta}, day__in={k[1] for k in delta})
                .values_list("id", "area_id", "day", "route", "under_control")}
    increments = [(*values, existing[key]) for key, values in delta.items() if key in existing]
    if increments:
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET " + ", ".join(f"{m} = {m} + %s" for m in MEASURES)
                + " WHERE id = %s", increments)
    return [key for key in delta if key not in existing]


def _take_turns(area_ids: list[int]) -> None:
    _trees_take_turns({root or pk for pk, root in Area.objects.filter(
        id__in=area_ids).values_list("id", "root_id")})


def _trees_take_turns(tenants: Iterable[int]) -> None:
    # Two reports at once (PostgreSQL) would both delete, count and insert the same day's
    # row and the second fail on its unique key (tests/faults/test_killed_server.py): the
    # refreshes of one jurisdiction tree take turns (its figures and totals are its own;
    # other trees go on), the trees' locks taken in one order.
    for tenant in sorted(set(tenants)):
        locks.take_turns(locks.DAILY_FIGURES, tenant)


def refresh_areas(area_ids: Iterable[int]) -> int:
    """Recount the figures of these areas (their own records) and move the subtree totals of
    them and their ancestors by the difference."""
    ids = sorted(set(area_ids))
    if not ids:
        return 0
    with transaction.atomic():
        _take_turns(ids)
        before = {(a, d, r, u): [x, y, z] for a, d, r, u, x, y, z in
                  DailyFigure.objects.filter(area_id__in=ids).values_list(
                      "area_id", "day", "route", "under_control", *MEASURES)}
        DailyFigure.objects.filter(area_id__in=ids).delete()
        after = _count(ids)
        written = _write(after)
        delta: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
        for key, values in after.items():
            delta[key] = list(values)
        for key, values in before.items():
            delta[key] = [n - o for n, o in zip(delta[key], values, strict=True)]
        chains = _ancestors(ids)
        tenants = {up.id: up.tenant_id for chain in chains.values() for up in chain}
        _add_totals(_roll_up(delta, chains), tenants)
        return written


def _write_totals(found: dict) -> None:
    chains = _ancestors({k[0] for k in found})
    tenants = {up.id: up.tenant_id for chain in chains.values() for up in chain}
    totals = _roll_up(found, chains)
    keys = list(totals)
    _insert(DailyTotal, keys, [totals[k] for k in keys],
            tenant_id=[tenants[k[0]] for k in keys])


def delete_tenant(tenant_id: int) -> None:
    """Forget a jurisdiction tree's figures (before its areas go: a scenario replaced)."""
    DailyFigure.objects.filter(tenant_id=tenant_id)._raw_delete(DailyFigure.objects.db)
    DailyTotal.objects.filter(tenant_id=tenant_id)._raw_delete(DailyTotal.objects.db)


def rebuild(tenant: Area | None = None) -> int:
    """Recount every figure (of one jurisdiction tree), set-based; the rows written."""
    with transaction.atomic():
        if tenant is None:
            DailyFigure.objects.all().delete()
            DailyTotal.objects.all().delete()
            found = _count(None)
        else:
            DailyFigure.objects.filter(tenant_id=tenant.tenant_id).delete()
            DailyTotal.objects.filter(tenant_id=tenant.tenant_id).delete()
            found = _count(None, tenant.tenant_id)
        written = _write(found)
        _write_totals(found)
        return written


def _on_record(event: events.RecordEvent) -> None:
    # A moved case (CaseMoved) leaves its old area too: both are recounted, so the count moves
    # (subtracted there, added here) and every ancestor's total with it.
    moved_from = getattr(event, "from_area", None)
    refresh_areas([event.area.pk] + ([moved_from.pk] if moved_from is not None else []))


def add_new(model, areas: Iterable[Area], record_ids: list[int]) -> int:
    """Add the figures of records just created (an import batch) to those of their areas and
    the subtree totals of the areas and their ancestors: only the new records are counted, not
    the areas' others again (issue 14: a county's every case recounted for each batch of an
    import, which grew with the county). The same figures as refresh_areas when the stored
    ones were right; `rebuild` recounts everything. `areas`: the records' areas as the import
    holds them (their paths and trees are not read again: issue 14, a batch's queries).
    Returns the figure rows created."""
    areas = {a.pk: a for a in areas}
    if not areas or not record_ids:
        return 0
    # No savepoint (two statements a batch, issue 14): inside an import's transaction a failure
    # here fails the batch whole anyway; alone, this is its own transaction.
    with transaction.atomic(savepoint=False):
        _trees_take_turns(a.tenant_id for a in areas.values())
        new = bulk.with_ids(model.objects.all(), record_ids)
        found = _count_of(new if model is Case else Case.objects.none(),
                          new if model is Contact else Contact.objects.none(), few=True)
        counted = {k[0] for k in found}
        chains = _chains(a for pk, a in areas.items() if pk in counted)
        tenants = {up.id: up.tenant_id for chain in chains.values() for up in chain}
        totals = _roll_up(found, chains)
        created = [k for k in _add(DailyFigure, found) if k[0] in areas]
        _insert(DailyFigure, created, [found[k] for k in created],
                tenant_id=[tenants[k[0]] for k in created],
                area_path=[areas[k[0]].path for k in created])
        _add_totals(totals, tenants)
        return len(created)


def _on_import(event: events.RecordsImported) -> None:
    add_new(Case if isinstance(event, events.CasesImported) else Contact,
            {r.area if r.area is not None else r.person.home_area for r in event.records},
            [r.record_id for r in event.records])


def subscribe() -> None:
    events.subscribe(events.CaseOpened, events.CaseChanged, events.ContactAdded)(_on_record)
    events.subscribe(events.CasesImported, events.ContactsImported)(_on_import)
