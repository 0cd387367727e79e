"""Results: recorded in bulk by the lab (tubes and barcodes only, no names); a positive pool
recalls every member, an invalid tube asks for a new sample, an individual positive (a single
tube or a recall's retest) is published for tracing to propose a case.

Report (the last step of turnaround: collection, receipt, result, report): the lab's release of
a result to the people sampled. On a mass-testing day the lab cannot review tens of thousands
of negatives one by one, so the results named by the preset's `screening.report_at_once`
(negatives, by default) are reported as they are recorded; the others (positive, invalid) wait
for a technician's second look and release (`report_results`, a batch action on the lab bench
and the API). Recalls and case proposals do not wait for the report: the protocol acts on a
positive pool at once (isolation in place and retest), the report is what the person is told.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import batched

from django.db import connection, transaction
from django.utils.translation import gettext as _

from outbreakhq import protocols
from outbreakhq.core import audit, bulk, events, hooks
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.core.events import PositiveResultRecorded, PositiveResultsRecorded
from outbreakhq.core.roles import Can
from outbreakhq.core.scoped import refused, require_role
from outbreakhq.screening import rules
from outbreakhq.screening.models import (
    DETECTION_ROUTE,
    UNDER_CONTROL,
    Recall,
    RecallReason,
    RecallStatus,
    Result,
    RoundKind,
    Tube,
    TubeMember,
    TubeStatus,
)
from outbreakhq.screening.services.common import (
    now,
    row_error,
    tube_rows_by_barcode,
    user_of,
)
from outbreakhq.screening.services.tubes import capacity_of

BATCH = 2000


@dataclass(slots=True)
class _TubeRow:
    """What recording or reporting results reads of a tube, read as a row under its lock (a
    model instance per tube cost more than the rest of the step)."""
    pk: int
    barcode: str
    status: str
    result: str
    reported_at: datetime | None
    members_count: int
    retest: bool
    round_id: int
    collected_at: datetime
    round_kind: str

    @property
    def detection_route(self) -> str:
        return DETECTION_ROUTE[RoundKind(self.round_kind)]

    def get_status_display(self) -> str:
        return str(TubeStatus(self.status).label)

    def get_result_display(self) -> str:
        return str(Result(self.result).label) if self.result else ""


_ROW_FIELDS = ("pk", "barcode", "status", "result", "reported_at", "members_count", "retest",
               "round_id", "collected_at", "round__kind")


@dataclass
class Recorded:
    resulted: int = 0
    unchanged: int = 0  # sent before with the same result
    recalls: int = 0
    positives: int = 0  # individual positives published to tracing
    reported: int = 0  # reported at once (the preset's screening.report_at_once)
    barcodes: list[str] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)


@bulk.collector_paused()  # a batch's objects live until it is written (core/bulk.py)
def record_results(*, actor: Actor, rows: Iterable[Mapping], first_row: int = 1,
                   partial: bool = False) -> Recorded:
    """Results of tubes received at the lab: rows of barcode, result (negative / positive /
    invalid) and an optional Ct value. All rows or none: every bad row is named (unknown
    barcode, a tube never received, a result unreadable or contradicting an earlier one).
    Sending the same results again changes nothing. `partial`: the good rows are written and
    the bad ones reported in `errors`."""
    require_role(actor, Can.RECORD_RESULTS, what="tube")
    rows = list(rows)
    message = _("No result was saved.")
    wanted: list[tuple[int, str, str | None, float | None]] = []
    errors: list[FieldError] = []
    for row, values in enumerate(rows, start=first_row):
        barcode = str(values.get("barcode") or "").strip()
        result = rules.read_result(values.get("result", ""))
        try:
            ct = rules.read_ct(values.get("ct"))
        except (TypeError, ValueError):
            errors.append(row_error(row, "ct", _("a Ct value is a number from 0 to 50")))
            ct = None
        if not barcode:
            errors.append(row_error(row, "barcode", _("the tube's barcode is required")))
        if result is None:
            errors.append(row_error(row, "result", _(
                "%(value)s is not negative, positive or invalid") % {
                "value": values.get("result") or _("(blank)")}))
        wanted.append((row, barcode, result, ct))
    done = Recorded()
    with transaction.atomic():
        tubes = _tubes_in_scope(actor, [b for _r, b, _s, _c in wanted if b])
        seen: dict[str, int] = {}
        todo: list[tuple[int, _TubeRow, str, float | None]] = []
        for row, barcode, result, ct in wanted:
            if not barcode or result is None:
                continue
            tube = tubes.get(barcode)
            if barcode in seen:
                errors.append(row_error(row, "barcode", _(
                    "tube %(code)s is also on row %(other)d") % {"code": barcode,
                                                                   "other": seen[barcode]}))
            elif tube is None:
                errors.append(row_error(row, "barcode", _(
                    "no tube with barcode %(code)s at your lab") % {"code": barcode}))
            elif tube.status == TubeStatus.RESULTED:
                if tube.result == result:
                    done.unchanged += 1
                else:
                    errors.append(row_error(row, "result", _(
                        "tube %(code)s was already resulted %(result)s") % {
                        "code": barcode, "result": tube.get_result_display()}))
            elif tube.status != TubeStatus.RECEIVED:
                errors.append(row_error(row, "barcode", _(
                    "tube %(code)s was never received at the lab (it is %(status)s): receive "
                    "its box first") % {"code": barcode, "status": tube.get_status_display()}))
            else:
                todo.append((row, tube, result, ct))
            seen[barcode] = row
        if errors and not partial:
            raise InvalidInput(message, errors)
        bad = {e.row for e in errors}
        done.errors = errors
        _apply(actor, [(t, r, c) for row, t, r, c in todo if row not in bad], done)
    return done


def _tubes_in_scope(actor: Actor, barcodes: list[str]) -> dict[str, _TubeRow]:
    found: dict[str, _TubeRow] = {}
    for start in range(0, len(barcodes), BATCH):
        chunk = barcodes[start:start + BATCH]
        # By primary key: with the barcodes and the scope in one query the planner may walk
        # the scope's index over every tube of the tenant (quadratic over a round).
        # A batch's tubes were registered together: their ids are one range (bulk.with_ids).
        ids = [pk for pk, in tube_rows_by_barcode(chunk, ("id",))]
        for values in (bulk.with_ids(Tube.objects.visible_to(actor, Can.RECORD_RESULTS)
                                     .select_for_update(of=("self",)), ids)
                       .values_list(*_ROW_FIELDS)):
            tube = _TubeRow(*values)
            found[tube.barcode] = tube
        for barcode in set(chunk) - set(found):
            refused(actor, Can.RECORD_RESULTS, what="tube", object_id=barcode)
    return found


def _update_tubes(ids: list[int], values: dict) -> None:
    """`UPDATE tube SET ... WHERE id IN (...)`, BATCH ids a statement: the ORM's `pk__in`
    prepares each value one by one (about 20 µs), this passes them as they are."""
    table = connection.ops.quote_name(Tube._meta.db_table)
    fields = [Tube._meta.get_field(name) for name in values]
    columns = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    params = [f.get_db_prep_save(v, connection) for f, v in zip(fields, values.values(),
                                                                 strict=True)]
    with connection.cursor() as cursor:
        for start in range(0, len(ids), BATCH):
            chunk = ids[start:start + BATCH]
            cursor.execute(f"UPDATE {table} SET {columns} "  # noqa: S608 (model's names)
                           f"WHERE id IN ({', '.join(['%s'] * len(chunk))})", [*params, *chunk])


def _apply(actor: Actor, todo: list[tuple[_TubeRow, str, float | None]],
           done: Recorded) -> None:
    when, who = now(), user_of(actor)
    at_once = set(protocols.current().screening.report_at_once)
    groups: dict[tuple[str, float | None], list[int]] = {}
    for tube, result, ct in todo:
        tube.status, tube.result = TubeStatus.RESULTED, result
        groups.setdefault((result, ct), []).append(tube.pk)
    who_id = who.pk if who else None
    for (result, ct), ids in groups.items():  # one UPDATE per (result, Ct): set-based
        report = {"reported_at": when, "reported_by": who_id} if result in at_once else {}
        _update_tubes(ids, {"status": TubeStatus.RESULTED.value, "result": result, "ct": ct,
                            "resulted_at": when, "resulted_by": who_id, **report})
    done.reported = sum(1 for _t, r, _c in todo if r in at_once)
    done.resulted = len(todo)
    done.barcodes = [t.barcode for t, _r, _c in todo]
    pools = [t for t, r, _c in todo if r != Result.NEGATIVE and t.members_count > 1
             and not t.retest]
    invalid = [t for t, r, _c in todo if r == Result.INVALID]
    single = [t for t, _r, _c in todo if t.members_count == 1 or t.retest]
    members = _members_of({t.pk for t in pools + invalid + single})
    recalls = []
    for tube in pools + [t for t in invalid if t not in pools and not t.retest]:
        reason = RecallReason.INVALID_TUBE if tube.result == Result.INVALID \
            else RecallReason.POSITIVE_POOL
        recalls += [Recall(tenant_id=m.tenant_id, area_id=m.area_id, person_id=m.person_id,
                           tube_id=tube.pk, round_id=tube.round_id, reason=reason)
                    for m in members.get(tube.pk, ())]
    Recall.objects.bulk_create(recalls, batch_size=BATCH, ignore_conflicts=True)
    done.recalls = len(recalls)
    by_result: dict[str, list[int]] = {}  # the recalls answered: one UPDATE per result
    for tube in single:
        if tube.retest:
            by_result.setdefault(tube.result, []).append(tube.pk)
    for result, tube_ids in by_result.items():
        status = RecallStatus.NOTIFIED if result == Result.INVALID else RecallStatus.RESULTED
        for chunk in batched(tube_ids, BATCH):
            Recall.objects.filter(retest_tube_id__in=chunk).update(
                status=status, result=result, updated_at=when,
                **({"retest_tube": None} if status == RecallStatus.NOTIFIED else {}))
    found = [(tube, member) for tube in single if tube.result == Result.POSITIVE
             for member in members.get(tube.pk, ())]
    under = _under_control(found)
    positives = tuple(PositiveResultRecorded(
        actor=actor, person_id=member.person_id, area_path=member.area_path,
        sampled_on=tube.collected_at.date(), detection_route=tube.detection_route,
        found_under_control=(member.person_id, tube.collected_at.date()) in under,
        reference=_("tube %(code)s") % {"code": tube.barcode})
        for tube, member in found)
    if positives:  # one event for the batch: the proposals are written set-based
        done.positives += len(positives)
        events.publish(PositiveResultsRecorded(actor=actor, results=positives))
    audit.record(actor=actor, action="change", object_type="tube",
                 object_id=f"{len(todo)} tubes", detail={
                     "results": {t.barcode: r for t, r, _c in todo[:200]},
                     "recalls": done.recalls})


@dataclass
class Reported:
    reported: int = 0
    unchanged: int = 0  # reported before
    barcodes: list[str] = field(default_factory=list)


def report_results(*, actor: Actor, barcodes: Iterable[str]) -> Reported:
    """The lab releases (reports) resulted tubes, with the time and who. All or none: a
    barcode unknown at the actor's lab or a tube not resulted yet is named; a tube reported
    before is left as it was."""
    require_role(actor, Can.RECORD_RESULTS, what="tube")
    message = _("No result was reported.")
    wanted = [str(b or "").strip() for b in barcodes]
    errors: list[FieldError] = []
    if not any(wanted):
        raise InvalidInput(message, [FieldError("tubes", _("choose the tubes to report"))])
    done = Reported()
    with transaction.atomic():
        tubes = _tubes_in_scope(actor, [b for b in wanted if b])
        todo: dict[str, _TubeRow] = {}
        for row, barcode in enumerate(wanted, start=1):
            tube = tubes.get(barcode)
            if not barcode:
                errors.append(row_error(row, "barcode", _("the tube's barcode is required")))
            elif tube is None:
                errors.append(row_error(row, "barcode", _(
                    "no tube with barcode %(code)s at your lab") % {"code": barcode}))
            elif tube.status != TubeStatus.RESULTED:
                errors.append(row_error(row, "barcode", _(
                    "tube %(code)s has no result yet (it is %(status)s): record its result "
                    "first") % {"code": barcode, "status": tube.get_status_display()}))
            elif tube.reported_at is not None:
                done.unchanged += 1
            else:
                todo[barcode] = tube
        if errors:
            raise InvalidInput(message, errors)
        when, who = now(), user_of(actor)
        ids = [t.pk for t in todo.values()]
        for start in range(0, len(ids), BATCH):
            Tube.objects.filter(pk__in=ids[start:start + BATCH], reported_at__isnull=True) \
                .update(reported_at=when, reported_by=who)
        done.reported, done.barcodes = len(ids), list(todo)
        if ids:
            audit.record(actor=actor, action="change", object_type="tube",
                         object_id=f"{len(ids)} tubes",
                         detail={"reported": list(todo)[:200]})
    return done


@dataclass(slots=True)
class _Member:
    """What a result needs of a tube's member: a recall's row, a positive's person and area."""
    tube_id: int
    tenant_id: int
    area_id: int
    person_id: int
    area_path: str


def _members_of(tube_ids: set[int]) -> dict[int, list[_Member]]:
    """The members of these tubes, as rows (a model instance and its area per member cost more
    than the recalls' insert)."""
    out: dict[int, list[_Member]] = {}
    if not tube_ids:
        return out
    for values in (TubeMember.objects.filter(tube_id__in=sorted(tube_ids))
                   .values_list("tube_id", "tenant_id", "area_id", "person_id", "area__path")):
        member = _Member(*values)
        out.setdefault(member.tube_id, []).append(member)
    return out


def _under_control(found: list[tuple[_TubeRow, _Member]]) -> set[tuple[int, date]]:
    """(person, sampling day) of the positives found under control: sampled in a
    sealed-compound or quarantine round, or in a quarantine stay that day (asked once a
    sampling day, not once a person)."""
    under, by_day = set(), {}
    for tube, member in found:
        day = tube.collected_at.date()
        if RoundKind(tube.round_kind) in UNDER_CONTROL:
            under.add((member.person_id, day))
        else:
            by_day.setdefault(day, set()).add(member.person_id)
    return under | {(person, day) for day, people in by_day.items()
                    for person in hooks.ask("quarantine.in_stay_many", sorted(people), day,
                                            default=set()) or ()}


def results_of_many(person_ids) -> dict[int, list[tuple]]:
    """`screening.results_of_many`: {person id: their test results, newest first} in one
    query, under the rule of `results_of` (a negative pool counts as a negative for each member,
    a positive or invalid pool tells nothing of one member)."""
    answers: dict[int, list[tuple]] = {}
    for person, sampled_at, result, count, retest in (
            TubeMember.objects.filter(person_id__in=list(person_ids),
                                      tube__status=TubeStatus.RESULTED)
            .values_list("person_id", "tube__collected_at", "tube__result",
                         "tube__members_count", "tube__retest")):
        if result == Result.NEGATIVE or count == 1 or retest:
            answers.setdefault(person, []).append((sampled_at, result))
    return {person: sorted(found, reverse=True) for person, found in answers.items()}


def results_of(person_id: int) -> list[tuple]:
    """`screening.results_of`: the person's test results, newest first."""
    return results_of_many([person_id]).get(person_id, [])


__all__ = ["Recorded", "Reported", "capacity_of", "record_results", "report_results",
           "results_of", "results_of_many"]
