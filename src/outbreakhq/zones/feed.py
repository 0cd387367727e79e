"""What the clocks read, fed by other modules' events (core/events.py), never by imports.

- A case opened or imported: an infection in the case's area (the person's home area) on the
  day it was recorded, in the deployment's time zone. The events do not carry the case's
  classification; when tracing answers `tracing.case_classification(case_id)`, suspected and
  discarded cases are left out (and a case reclassified as discarded is taken back).
- `PositiveResultsRecorded` (individual positives, one or a lab's batch): an infection in
  each person's area on the sampling day; a positive
  where the area had no infection in the last `alerts.positivity_window_days` days also raises
  an early-warning alert.
- `ScreeningRoundClosed`: a round event (positive: a new infection that day); its tube counts
  are kept per area (`RoundFigure`) and positivity strictly rising over the last
  `alerts.rising_rounds` rounds raises an alert (zones/warnings.py `positivity_rising`).
- A case opened, imported or changed whose source is not known (zones/warnings.py
  `known_source`, from tracing's `tracing.source_facts`) raises an "unknown source" alert in its
  area, once per case; the alert closes by itself when the source becomes known. For an
  import the question is asked when the import has committed (its exposures and candidate
  infectors are written after its cases).
- `CaseChanged` adding a visit (`detail["added"] == "visit"`): a `stay` in the visited area
  when the visit is one (zones/warnings.py `stay_day`, from tracing's `tracing.visit`); a case
  becoming an infection brings its earlier visits in, a discarded one takes them back.

Subscribers run in the publisher's transaction: the event log and the change commit together.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import batched

from django.db import connections, transaction
from django.utils import timezone

from outbreakhq import protocols
from outbreakhq.core import bulk, hooks
from outbreakhq.core.events import (
    CaseChanged,
    CaseOpened,
    CasesImported,
    PositiveResultsRecorded,
    ScreeningRoundClosed,
)
from outbreakhq.core.models import Area
from outbreakhq.zones import warnings
from outbreakhq.zones.models import (
    Alert,
    AlertKind,
    ClockWatch,
    EventKind,
    RoundFigure,
    ZoneEvent,
)

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
        for visit_id in hooks.ask("tracing.visits_of", case_id, default=None) or ():
            take_back(f"visit {visit_id}", kind=EventKind.STAY)
        return
    if not ZoneEvent.objects.filter(kind=EventKind.INFECTION, ref=ref).exists():
        record_event(area, timezone.localdate(), EventKind.INFECTION, ref)


def take_back(ref: str, kind: str = EventKind.INFECTION) -> None:
    """Remove the infection (or stay) `ref` (a discarded case's) and have the next regrade read
    its area from that day (a removal adds no new event for the regrade to notice)."""
    gone = ZoneEvent.objects.filter(kind=kind, ref=ref)
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
    review_sources([event.record_id])


def on_case_changed(event: CaseChanged) -> None:
    detail = event.detail or {}
    if "classification" in detail.get("fields", ()):
        _case_infection(event.area, event.record_id)
        if _classification(event.record_id) not in NOT_INFECTIONS:
            for visit_id in hooks.ask("tracing.visits_of", event.record_id, default=None) or ():
                record_stay(visit_id)
    if detail.get("added") == "visit" and detail.get("visit"):
        record_stay(detail["visit"])
    review_sources([event.record_id])


def review_sources(case_ids, *, raise_since: date | None = None) -> None:
    """Raise the "unknown source" alert of each infection whose source is not known (once per
    case: a case that had one, open or closed, gets no other), and close the open alert of a
    case whose source became known or that is no longer an infection (discarded).
    `raise_since`: raise only for cases reported on or after that day (an import of old cases
    is no early warning); closing is not limited."""
    for chunk in batched(case_ids, REVIEW_CHUNK):
        _review_chunk(chunk, raise_since)


REVIEW_CHUNK = 2000  # case numbers asked at once (SQLite's limit on query parameters)


def _review_chunk(case_ids, raise_since: date | None) -> None:
    facts = hooks.ask("tracing.source_facts", list(case_ids), default=None)
    if not facts:
        return
    area_ids = {fact["area_id"] for fact in facts.values()}
    # Not by area: a case moved to another area keeps the alert it had.
    alerted = {a.detail.get("case"): a for a in Alert.objects.filter(
        kind=AlertKind.UNKNOWN_SOURCE, detail__case__in=list(facts))}
    tenants = {a.pk: a.tenant_id for a in Area.objects.filter(pk__in=area_ids)}
    rows = []
    for pk, fact in facts.items():
        # A case discarded (or back to suspected) is no unexplained infection either.
        why = warnings.known_source(fact) or (
            "no_infection" if fact["classification"] in NOT_INFECTIONS else None)
        alert = alerted.get(pk)
        if why is None and alert is None \
                and (raise_since is None or fact["report"] >= raise_since):
            rows.append(Alert(tenant_id=tenants[fact["area_id"]], area_id=fact["area_id"],
                              day=fact["report"], kind=AlertKind.UNKNOWN_SOURCE,
                              detail={"case": pk}))
        elif why is not None and alert is not None and alert.acknowledged_at is None:
            # Closed by the platform, not acknowledged by anyone: the inbox says why.
            alert.detail = {**alert.detail, "closed": "source_known", "why": why}
            alert.acknowledged_at = timezone.now()
            alert.save(update_fields=["detail", "acknowledged_at"])
    bulk.insert_models(rows)


def record_stay(visit_id: int) -> None:
    """A `stay` in the visited area when tracing's visit is one (zones/warnings.py), once per
    visit (reference `visit N`)."""
    fact = hooks.ask("tracing.visit", visit_id, default=None)
    ref = f"visit {visit_id}"
    if fact is None or fact["classification"] in NOT_INFECTIONS:
        return
    if ZoneEvent.objects.filter(kind=EventKind.STAY, ref=ref).exists():
        return
    preset = protocols.current()
    day = warnings.stay_day(
        warnings.Visit(fact["date_from"], fact["date_to"], fact["hours"], fact["onset"],
                       fact["sampling"], fact["report"]),
        lookback_days=preset.tracing.lookback_days_before_onset,
        min_hours=preset.grading.stay_min_hours)
    area = Area.objects.filter(pk=fact["area_id"]).first()
    if day is not None and area is not None:
        record_event(area, day, EventKind.STAY, ref)


def on_cases_imported(event: CasesImported) -> None:
    """One set-based insert per import batch (the case numbers are new: no event exists).
    Imported cases are as a rule historical: each is an infection on its report date (or its
    onset date, `grading.imported_case_day = "onset"`), read from the rows tracing answers
    `tracing.case_days` with; on the day of the import only when tracing does not answer."""
    today = timezone.localdate()
    ids = [r.record_id for r in event.records]
    # (A batch may create no case: its rows were all stored already.)
    cases = hooks.ask("tracing.case_days", ids, default=None) if ids else None
    if cases is not None:
        _infections_from(cases, by_onset=protocols.current().grading.imported_case_day ==
                         "onset", today=today)
    else:  # tracing does not answer
        bulk.insert_values(ZoneEvent, [  # no instance each, no id: issue 14
            {"tenant_id": area.tenant_id, "area_id": area.pk, "day": today,
             "kind": EventKind.INFECTION.value, "ref": f"case {record.record_id}"}
            for record in event.records
            if (area := record.area or record.person.home_area) is not None], numbered=False)
    # An import writes a case's exposures and candidate infectors after the case itself
    # (tracing/importer/write.py), so whether its source is known is asked once the import
    # has committed: the one subscriber here that does not run in the publisher's transaction.
    window = protocols.current().alerts.positivity_window_days
    transaction.on_commit(lambda: review_sources(ids, raise_since=today - timedelta(
        days=window)))


def _infections_from(cases, *, by_onset: bool, today: date) -> None:
    """An infection event for each of these cases that is one (tracing's query of their rows,
    `tracing.case_days`), inserted from the query by the database: one statement a batch, no
    row through Python (issue 14: the read back, the rows and their parameters were a tenth of
    an import's commit on SQLite)."""
    sql, params = cases.query.sql_with_params()
    db = connections[cases.db]
    stamp = ZoneEvent._meta.get_field("created_at").get_db_prep_save(timezone.now(), db)
    left_out = sorted(NOT_INFECTIONS)
    day = "COALESCE(c.onset, c.reported, %s)" if by_onset else "COALESCE(c.reported, %s)"
    table = ZoneEvent._meta.db_table
    with db.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" ("tenant_id", "area_id", "day", "kind", "ref", "created_at") '
            f"SELECT c.tree, c.place, {day}, CAST(%s AS TEXT), "  # noqa: S608 (model names)
            "CAST(%s AS TEXT) || CAST(c.number AS TEXT), %s "
            f"FROM ({sql}) c WHERE c.classed NOT IN ({', '.join(['%s'] * len(left_out))})",
            [ZoneEvent._meta.get_field("day").get_db_prep_save(today, db),
             EventKind.INFECTION.value, "case ", stamp, *params, *left_out])
        bulk.analyze_after_load(table, cursor.rowcount)


def on_positive_results(event: PositiveResultsRecorded) -> None:
    record_positives(event.results)


def record_positives(results) -> None:
    """An infection in each person's area on the sampling day; a positive where the area (its
    subtree) had no infection in the last `alerts.positivity_window_days` days, neither stored
    nor earlier in this batch, raises the early-warning alert. The events of a batch are
    written in one pass, and the database is asked only about areas the batch has not shown
    to be busy already (a lab's 2,000 retests in one compound: one question)."""
    areas = {a.path: a for a in Area.objects.filter(path__in={r.area_path for r in results})}
    window = protocols.current().alerts.positivity_window_days
    recorded: list[tuple[str, date]] = []
    rows = []
    for result in results:
        area = areas.get(result.area_path)
        if area is None:
            continue
        since = result.sampled_on - timedelta(days=window)
        quiet = not any(path.startswith(area.path) and day >= since for path, day in recorded) \
            and not ZoneEvent.objects.filter(
                area__path__startswith=area.path,
                kind__in=(EventKind.INFECTION, EventKind.ROUND_POSITIVE),
                day__gte=since).exists()
        recorded.append((area.path, result.sampled_on))
        rows.append({"tenant_id": area.tenant_id, "area_id": area.pk, "day": result.sampled_on,
                     "kind": EventKind.INFECTION.value,
                     "ref": f"result {result.reference}"[:80]})
        if quiet:
            Alert.objects.create(tenant_id=area.tenant_id, area=area, day=result.sampled_on,
                                 kind=AlertKind.POSITIVE_WITHOUT_CASES,
                                 detail={"reference": result.reference,
                                         "route": result.detection_route})
    bulk.insert_values(ZoneEvent, rows, numbered=False)


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
    if event.round_id is not None and event.tubes is not None:
        rising_positivity(area, event)


def rising_positivity(area: Area, event: ScreeningRoundClosed) -> None:
    """Keep the round's figures; raise the alert when the area's last rounds rise (once per
    area and round: a round is closed once, and its figures are kept once)."""
    ref = f"round {event.round_id}"
    if RoundFigure.objects.filter(area=area, round_ref=ref).exists():
        return
    RoundFigure.objects.create(tenant_id=area.tenant_id, area=area, day=event.day,
                               round_ref=ref, tubes=event.tubes,
                               positive=event.positive_tubes or 0)
    rules = protocols.current().alerts
    # The last rounds with tubes, oldest first (a round without a resulted tube says nothing).
    last = [warnings.RoundFigure(day, tubes, positive) for day, tubes, positive in reversed(
        RoundFigure.objects.filter(area=area, tubes__gt=0).order_by("-day", "-id")
        .values_list("day", "tubes", "positive")[:rules.rising_rounds])]
    if warnings.positivity_rising(last, count=rules.rising_rounds,
                                  min_positivity=rules.rising_min_positivity):
        Alert.objects.create(tenant_id=area.tenant_id, area=area, day=event.day,
                             kind=AlertKind.RISING_POSITIVITY, detail={
                                 "round": event.round_id,
                                 "positivity": [round(r.positivity, 6) for r in last],
                                 "tubes": [r.tubes for r in last]})


def register() -> None:
    hooks.subscribe(CaseOpened)(on_case_opened)
    hooks.subscribe(CaseChanged)(on_case_changed)
    hooks.subscribe(CasesImported)(on_cases_imported)
    hooks.subscribe(PositiveResultsRecorded)(on_positive_results)
    hooks.subscribe(ScreeningRoundClosed)(on_round_closed)
