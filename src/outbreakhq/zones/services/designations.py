"""Designations: the daily regrading proposes, commanders approve or reject.

`regrade(day)` runs the clocks (zones/rules.py) over the event log of every area that has one
and proposes what differs from the grade in force; the deployment may approve them at once
(OUTBREAKHQ_ZONES_AUTO_APPROVE). A proposal is stale when the area's log has grown since it was
made (a newer event, or a newer proposal superseded it): approving it is refused.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

import pyarrow as pa
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from outbreakhq.core import audit, bulk
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import FieldError, InvalidInput, NotFound
from outbreakhq.core.models import Area
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can
from outbreakhq.core.scoped import fetch_in_scope, require_role
from outbreakhq.core.unit_of_work import unit_of_work
from outbreakhq.zones import public, reasons
from outbreakhq.zones.clocks import clock_rules, clocks_on
from outbreakhq.zones.models import (
    ClockWatch,
    Designation,
    RegradeRun,
    Status,
    ZoneEvent,
)
from outbreakhq.zones.rules import ONE_DAY, ClockState, next_check

OPEN = (Status.PROPOSED, Status.APPROVED)


def access_designation(actor: Actor, designation_id: int, capability: str = Can.APPROVE_ZONES,
                       *, lock: bool = False) -> Designation:
    """A designation in the actor's scope, else the one 404 of core/scoped.py."""
    return fetch_in_scope(
        Designation.objects.all(), designation_id, actor=actor, capability=capability,
        what="designation", lock=lock, seen_with=Can.VIEW_AGGREGATES,
        missing=_("No designation with number %(n)s.") % {"n": designation_id})


@dataclass(frozen=True)
class RegradeResult:
    day: date
    areas: int  # areas whose clocks ran
    proposed: int
    approved: int


def target_of(state: ClockState) -> tuple[str | None, date | None]:
    """The grade the clock asks for, and from when (a step earned today starts tomorrow)."""
    if state.pending:
        return state.pending, state.day + ONE_DAY
    return state.grade, state.since


def basis_of(state: ClockState, last_event: int) -> dict:
    return {"day": state.day.isoformat(), "last_event": last_event,
            "events": [[e.day.isoformat(), e.kind, e.ref] for e in state.reasons[-50:]],
            "case_free_day": state.case_free_day, "days_required": state.days_required,
            "round_needed": state.round_needed}


def reason_of(state: ClockState, grade: str) -> dict:
    """Why the clock asks for `grade`, as a code and its parameters (kept in the proposal's
    basis, rendered in the reader's language by zones/reasons.py): `step` (N case-free days,
    with a negative round or not, down to a grade) or `events` (the grade after these kinds
    of event)."""
    if state.pending:
        return {"code": reasons.STEP, "days": state.case_free_day, "round": state.round_needed,
                "grade": grade}
    return {"code": reasons.EVENTS, "grade": grade,
            "kinds": sorted({e.kind for e in state.reasons})}


def regrade(*, day: date | None = None, actor: Actor | None = None,
            full: bool = False) -> RegradeResult:
    """Run the clocks for `day` (default today) and propose what differs from the grades in
    force; one transaction.

    Incremental: after a run with the same rules for the same or an earlier day, only the
    areas that can have changed are read — a new event since that run, a designation
    proposed or decided since, or the day their clock can change without an event
    (`ClockWatch.check_on`, rules.next_check) has come. The others would ask for what they
    asked for last time. `full` (or the first run, another preset, an earlier day) reads
    every area."""
    day = day or timezone.localdate()
    rules = clock_rules()
    lowest = rules.grades[-1]
    now, user = timezone.now(), actor.user if actor and actor.is_authenticated else None
    auto = settings.OUTBREAKHQ_ZONES_AUTO_APPROVE
    key = rules_key(rules)
    with transaction.atomic(), bulk.collector_paused():
        top = ZoneEvent.objects.aggregate(n=Max("id"))["n"] or 0
        last_run = RegradeRun.objects.order_by("-id").first()
        incremental = (not full and last_run is not None and last_run.rules == key
                       and last_run.day <= day)
        areas = _areas_to_check(day, last_run) if incremental else None
        if areas is not None and len(areas) > FULL_READ_ABOVE:
            areas = None  # one ordered scan of the log beats many lists of ids
        states = clocks_on(day, areas, look_ahead=False) if areas != set() else {}
        current = _open_designations(areas)
        rejected = set(_of_areas(Designation.objects.filter(status=Status.REJECTED), areas)
                       .values_list("area_id", "grade", "since"))
        superseded, ended, new = [], [], []
        for area_id, (state, last_event, tenant_id) in states.items():
            grade, since = target_of(state)
            in_force_now, waiting = current.get(area_id, (None, None))
            if grade is None or (area_id, grade, since) in rejected:
                continue
            if in_force_now is None and grade == lowest:
                continue  # never graded, nothing to lift
            if waiting is not None and (waiting.grade, waiting.since) == (grade, since):
                continue
            if waiting is not None:
                superseded.append(waiting.pk)
            if in_force_now is not None and in_force_now.grade == grade:
                continue
            new.append(NewProposal(
                tenant_id, area_id, grade, since,
                json.dumps(basis_of(state, last_event) | {"why": reason_of(state, grade)})))
            if auto and in_force_now is not None:
                ended.append((in_force_now, since))
        _write_regrade(superseded, ended, now)
        _insert(new, now=now, user=user, approved=auto)
        if auto and new:
            _republish({"code": reasons.AUTO_APPROVED, "n": len(new)})
        _watch(rules, day, states, areas)
        # Stamped after its own writes (auto_now_add stamps proposals as they are written):
        # a decision after this is one the next run must read.
        RegradeRun.objects.create(day=day, last_event=top, started_at=timezone.now(), rules=key,
                                  full=not incremental, areas=len(states))
        audit.record(actor=actor or Actor(user=None), action="create",
                     object_type="risk-area proposals",
                     detail={"regrade": True, "day": day.isoformat(), "areas": len(states),
                             "incremental": incremental,
                             "proposed": len(new), "approved": len(new) if auto else 0})
    return RegradeResult(day, len(states), len(new), len(new) if auto else 0)


FULL_READ_ABOVE = 5000  # areas to check: above this, read every area (same answer, faster)


def rules_key(rules) -> str:
    """A fingerprint of the clock rules: a run under other rules cannot be built on."""
    return hashlib.sha256(repr(rules).encode()).hexdigest()[:64]


def _areas_to_check(day: date, last_run: RegradeRun) -> set[int] | None:
    """Areas whose clock may ask for something else than at `last_run` (see regrade); None
    when more than FULL_READ_ABOVE areas have new events (counted first: not listed)."""
    fresh = ZoneEvent.objects.filter(id__gt=last_run.last_event)
    if fresh.aggregate(n=Count("area_id", distinct=True))["n"] > FULL_READ_ABOVE:
        return None
    areas = set(fresh.values_list("area_id", flat=True).distinct())
    areas.update(ClockWatch.objects.filter(check_on__lte=day).values_list("area_id", flat=True))
    areas.update(Designation.objects.filter(
        Q(proposed_at__gt=last_run.started_at) | Q(decided_at__gt=last_run.started_at))
        .values_list("area_id", flat=True).distinct())
    return areas


def _of_areas(rows, areas: set[int] | None):
    """`rows` of `areas` (all when None or many: one scan beats many IN lists)."""
    if areas is None or len(areas) > 5000:
        return rows
    return rows.filter(area_id__in=areas)


def _watch(rules, day: date, states: dict, areas: set[int] | None) -> None:
    """Store when each area read (`areas`; None: every area) must be read again without a new
    event: its clock's next change (rules.next_check) or its first event dated after `day`
    (an event recorded ahead of its day), whichever comes first. Plain SQL: one row per graded
    area on a full run."""
    first_later = dict(_of_areas(ZoneEvent.objects.filter(day__gt=day), areas).order_by()
                       .values("area_id").annotate(first=Min("day"))
                       .values_list("area_id", "first"))
    touched = set(states) | set(first_later) if areas is None else areas
    rows = []
    for area_id in touched:
        state = states.get(area_id)
        check = next_check(rules, state[0]) if state else None
        later = first_later.get(area_id)
        if later is not None and (check is None or later < check):
            check = later
        if check is not None:
            rows.append((area_id, check))
    table = ClockWatch._meta.db_table
    with connection.cursor() as cursor:
        if areas is None:
            cursor.execute(f'DELETE FROM "{table}"')  # noqa: S608 (the model's table)
        else:
            ids = sorted(areas)
            for i in range(0, len(ids), 2000):
                part = ids[i:i + 2000]
                marks = ", ".join(["%s"] * len(part))
                cursor.execute(f'DELETE FROM "{table}" WHERE area_id IN ({marks})', part)  # noqa: S608
    if rows:  # COPY on PostgreSQL
        bulk.write_columns(table, pa.table({
            "area_id": pa.array([r[0] for r in rows], pa.int64()),
            "check_on": pa.array([r[1] for r in rows], pa.date32())}))


def _write_regrade(superseded: list[int], ended: list, now) -> None:
    """The regrading's updates, set-based: proposals replaced, designations ended by an
    automatic approval (the day before the new one; one not yet started is superseded)."""
    for chunk in range(0, len(superseded), 5000):
        Designation.objects.filter(pk__in=superseded[chunk:chunk + 5000]).update(
            status=Status.SUPERSEDED, decided_at=now)
    until: dict[date, list[int]] = defaultdict(list)
    for previous, since in ended:
        if previous.since < since:
            until[since - ONE_DAY].append(previous.pk)
        else:
            Designation.objects.filter(pk=previous.pk).update(status=Status.SUPERSEDED,
                                                              decided_at=now)
    for day, pks in until.items():
        for chunk in range(0, len(pks), 5000):
            Designation.objects.filter(pk__in=pks[chunk:chunk + 5000]).update(until=day)


class NewProposal(NamedTuple):
    """A proposal the regrading writes: a plain row, not a model instance (thousands on the
    day a screening round covers the city; building Designation objects, with their
    init signals, was a third of the run on PostgreSQL)."""

    tenant_id: int
    area_id: int
    grade: str
    since: date
    basis: str  # JSON text


# What queries of proposals filter, join and sort on: the statistics a bulk insert refreshes
# (the JSON basis, the reason and the note are read, never searched).
FILTERED_COLUMNS = ("id", "tenant_id", "area_id", "grade", "since", "until", "status",
                    "proposed_at", "decided_at")


def _insert(new: list[NewProposal], *, now, user, approved: bool) -> None:
    """The new proposals, column-wise (COPY on PostgreSQL), all proposed by `user` (None: the
    scheduler) at `now`, approved at once when `approved` (OUTBREAKHQ_ZONES_AUTO_APPROVE)."""
    if not new:
        return
    n = len(new)
    ids = bulk.allocate_ids(Designation._meta.db_table, n)
    tenants, areas, grades, since, basis = zip(*new, strict=True)
    stamp = pa.timestamp("us", tz="UTC")
    bulk.write_columns(Designation._meta.db_table, pa.table({
        "id": pa.array(ids, pa.int64()), "tenant_id": pa.array(tenants, pa.int64()),
        "area_id": pa.array(areas, pa.int64()), "grade": pa.array(grades, pa.string()),
        "since": pa.array(since, pa.date32()), "until": pa.nulls(n, pa.date32()),
        "reason": pa.array([""] * n, pa.string()), "basis": pa.array(basis, pa.string()),
        "status": pa.array([Status.APPROVED if approved else Status.PROPOSED] * n,
                           pa.string()),
        "proposed_by_id": pa.array([user.pk if user else None] * n, pa.int64()),
        "proposed_at": pa.array([now] * n, stamp),
        "decided_by_id": pa.nulls(n, pa.int64()),
        "decided_at": pa.array([now if approved else None] * n, stamp),
        "note": pa.array([""] * n, pa.string())}), analyze=FILTERED_COLUMNS)


class Open(NamedTuple):
    pk: int
    grade: str
    since: date


def _open_designations(areas: set[int] | None = None
                       ) -> dict[int, tuple[Open | None, Open | None]]:
    """Per area (of `areas`, default all): (the approved designation without an end, the
    waiting proposal)."""
    found: dict[int, list] = defaultdict(lambda: [None, None])
    rows = _of_areas(Designation.objects.all(), areas).filter(
        Q(status=Status.APPROVED, until__isnull=True) | Q(status=Status.PROPOSED)).order_by(
        "since", "id").values_list("area_id", "status", "id", "grade", "since")
    for area_id, status, *row in rows.iterator(chunk_size=5000):
        found[area_id][0 if status == Status.APPROVED else 1] = Open(*row)
    return {k: tuple(v) for k, v in found.items()}


def _approve(designation: Designation, *, actor: Actor | None) -> None:
    """Put a designation in force: the one before it ends the day before."""
    before = Designation.objects.filter(area_id=designation.area_id, status=Status.APPROVED,
                                        until__isnull=True).exclude(pk=designation.pk)
    for previous in before:
        if previous.since < designation.since:
            previous.until = designation.since - ONE_DAY
            previous.save(update_fields=["until"])
        else:
            previous.status, previous.decided_at = Status.SUPERSEDED, timezone.now()
            previous.save(update_fields=["status", "decided_at"])
    designation.status = Status.APPROVED
    designation.decided_by = actor.user if actor and actor.is_authenticated else None
    designation.decided_at = timezone.now()
    designation.save(update_fields=["status", "decided_by", "decided_at"])


def approve_all_waiting(*, tenant_id: int) -> int:
    """Put every waiting proposal of a tree in force, oldest first, set-based (loading a demo
    scenario: the state it starts from, approved by nobody); returns how many."""
    now = timezone.now()
    waiting = list(Designation.objects.filter(tenant_id=tenant_id, status=Status.PROPOSED)
                   .order_by("since", "id").values_list("pk", "area_id", "since"))
    current = {area: Open(pk, "", since) for area, pk, since in Designation.objects.filter(
        tenant_id=tenant_id, status=Status.APPROVED, until__isnull=True).values_list(
        "area_id", "pk", "since")}
    ended = []
    for pk, area_id, since in waiting:
        if area_id in current:
            ended.append((current[area_id], since))
        current[area_id] = Open(pk, "", since)
    _write_regrade([], ended, now)
    replaced = {previous.pk for previous, since in ended if previous.since >= since}
    pks = [pk for pk, _area, _since in waiting if pk not in replaced]
    for chunk in range(0, len(pks), 5000):
        Designation.objects.filter(pk__in=pks[chunk:chunk + 5000]).update(
            status=Status.APPROVED, decided_at=now)
    return len(pks)


def _refuse_stale(designation: Designation) -> None:
    message = _("The designation was not changed.")
    if designation.status != Status.PROPOSED:
        raise InvalidInput(message, [FieldError("status", _(
            "this proposal is %(status)s: only a waiting proposal can be decided")
            % {"status": designation.get_status_display()})])
    newest = ZoneEvent.objects.filter(area_id=designation.area_id).aggregate(n=Max("id"))["n"]
    if newest and newest > designation.basis.get("last_event", 0):
        raise InvalidInput(message, [FieldError("status", _(
            "stale: new events arrived for this area since it was proposed; run the regrading "
            "again and decide the new proposal"))])


def approve(*, actor: Actor, designation_id: int, note: str = "") -> Designation:
    """A commander puts a proposal in force (refused when stale)."""
    with unit_of_work(actor) as uow:
        designation = uow.fetch(access_designation, designation_id, Can.APPROVE_ZONES)
        _refuse_stale(designation)
        designation.note = note[:300]
        _approve(designation, actor=actor)
        designation.save(update_fields=["note"])
        _republish({"code": reasons.APPROVED, "designation": designation.pk})
        audit.record(actor=actor, action="change", object_type="designation",
                     object_id=designation.pk, area=designation.area,
                     detail={"decision": "approve", "grade": designation.grade,
                             "since": designation.since.isoformat()})
    return designation


def reject(*, actor: Actor, designation_id: int, note: str = "") -> Designation:
    """A commander turns a proposal down; the regrading will not propose it again."""
    with unit_of_work(actor) as uow:
        designation = uow.fetch(access_designation, designation_id, Can.APPROVE_ZONES)
        if designation.status != Status.PROPOSED:
            _refuse_stale(designation)
        designation.status = Status.REJECTED
        designation.decided_by = actor.user
        designation.decided_at = timezone.now()
        designation.note = note[:300]
        designation.save(update_fields=["status", "decided_by", "decided_at", "note"])
        audit.record(actor=actor, action="change", object_type="designation",
                     object_id=designation.pk, area=designation.area,
                     detail={"decision": "reject", "grade": designation.grade,
                             "since": designation.since.isoformat()})
    return designation


def designate(*, actor: Actor, data: Mapping[str, object]) -> Designation:
    """A commander's own designation (a place the clocks cannot see: `area` code, `grade`,
    `since`, `reason`), put in force at once. An area outside the actor's scope answers as a
    missing one; every bad field is named, nothing is written."""
    require_role(actor, Can.APPROVE_ZONES, what="designation")
    message = _("The designation was not saved.")
    code, grade = str(data.get("area") or "").strip(), str(data.get("grade") or "").strip()
    reason, since = str(data.get("reason") or "").strip(), data.get("since")
    grades = clock_rules().grades
    errors = []
    if not code:
        errors.append(FieldError("area", _("give the area code")))
    if grade not in grades:
        errors.append(FieldError("grade", _("%(grade)s is not one of %(grades)s")
                                 % {"grade": grade or "''", "grades": ", ".join(grades)}))
    if isinstance(since, str):
        try:
            since = date.fromisoformat(since.strip())
        except ValueError:
            since = None
    if not isinstance(since, date):
        errors.append(FieldError("since", _("give the first day (YYYY-MM-DD)")))
    if not reason:
        errors.append(FieldError("reason", _("say why")))
    if errors:
        raise InvalidInput(message, errors)
    area = Area.objects.filter(code=code).first()
    if area is None or not can(actor, Can.APPROVE_ZONES, area):
        raise NotFound(_("No area with code %(code)s.") % {"code": code})
    with unit_of_work(actor):
        last = ZoneEvent.objects.filter(area=area).aggregate(n=Max("id"))["n"] or 0
        designation = Designation.objects.create(
            tenant_id=area.tenant_id, area=area, grade=grade, since=since, reason=reason[:2000],
            basis={"manual": True, "last_event": last}, proposed_by=actor.user)
        _approve(designation, actor=actor)
        _republish({"code": reasons.MADE, "designation": designation.pk})
        audit.record(actor=actor, action="create", object_type="designation",
                     object_id=designation.pk, area=area,
                     detail={"grade": grade, "since": since.isoformat()})
    return designation


def _republish(note_code: dict) -> None:
    """A new version of today's public list, if one was published; why, as a code."""
    public.republish_today(note_code)


def grades_of_many(area_paths, day: date) -> dict[str, str | None]:
    """{area path: the grade in force on `day` for the area or its nearest designated ancestor}
    in one query for all the paths (`zones.grades_of_many`)."""
    paths = set(area_paths)
    codes = {code for path in paths for code in path.split("/") if code}
    best: dict[str, tuple] = {}  # area code -> (since, id, grade), the newest in force there
    for code, since, pk, grade in (
            Designation.objects.filter(area__code__in=codes, status=Status.APPROVED,
                                       since__lte=day)
            .filter(Q(until__isnull=True) | Q(until__gte=day))
            .values_list("area__code", "since", "id", "grade")):
        if code not in best or (since, pk) > best[code][:2]:
            best[code] = (since, pk, grade)
    answers = {}
    for path in paths:
        # The deepest designated area on the path wins (its code comes last in the path).
        found = [best[code] for code in path.split("/") if code in best]
        answers[path] = found[-1][2] if found else None
    return answers


def grade_of(area_path: str, day: date) -> str | None:
    """The grade in force on `day` for the area or its nearest designated ancestor (the
    `zones.grade_of` question other modules ask): `grades_of_many` for one path."""
    return grades_of_many([area_path], day)[area_path]
