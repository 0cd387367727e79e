"""Sealed tubes in bulk (a site's queue, a file of samples, the benchmark): the same rules as
submit_tube, checked and written set-based, one transaction per batch.

Idempotent by barcode: a tube sent again with the same content is counted `unchanged`; the
same barcode with other content, a person sampled twice in a round, an unknown code, a full
tube, an unknown site or round are errors naming the row. All rows of the batch or none,
unless `partial`: then the good tubes are written and every bad row is still reported."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pyarrow as pa
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from outbreakhq.core import audit, bulk
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.core.models import AuditShown, Person
from outbreakhq.core.roles import Can
from outbreakhq.core.scoped import require_role
from outbreakhq.screening import rules
from outbreakhq.screening.models import (
    Recall,
    RecallStatus,
    Round,
    Site,
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
from outbreakhq.screening.services.tubes import MAX_BARCODE, capacity_of

CHUNK = 5000
MAX_QUEUED = timedelta(days=7)  # the longest a tube may have waited in a site's offline queue


@dataclass
class Batch:
    created: int = 0
    unchanged: int = 0
    people: int = 0
    errors: list[FieldError] = field(default_factory=list)
    outcome: dict[int, str] = field(default_factory=dict)  # row -> "created" or "unchanged"


def _chunks(values: Sequence, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start:start + size]


@bulk.collector_paused()  # a batch's objects live until it is written (core/bulk.py)
def submit_tubes(*, actor: Actor, rows: Sequence[Mapping], first_row: int = 1,
                 partial: bool = False) -> Batch:
    """Rows of {barcode, members (codes or identity numbers), site, round, retest}."""
    require_role(actor, Can.COLLECT_SAMPLES, what="tube")
    message = _("No tube was saved.")
    done, bad = Batch(), set()

    def fail(row: int, name: str, problem: str) -> None:
        done.errors.append(row_error(row, name, problem))
        bad.add(row)

    parsed = []
    collected: dict[int, datetime] = {}  # row -> the collection time the input gave
    arrived = now()
    for row, values in enumerate(rows, start=first_row):
        barcode = str(values.get("barcode") or "").strip()
        members = values.get("members") or []
        if isinstance(members, str):
            members = members.replace(";", " ").replace(",", " ").split()
        elif not isinstance(members, list | tuple):
            members = []  # a number or an object where a list belongs: "scan at least one"
        members = [m for m in map(str.strip, map(str, members)) if m]
        if not barcode or len(barcode) > MAX_BARCODE:
            fail(row, "barcode", _("a barcode of 1 to 64 characters is required"))
        if not members:
            fail(row, "members", _("scan at least one person"))
        retest = str(values.get("retest", "")).strip().lower() in ("1", "true", "yes")
        if values.get("collected_at") not in (None, ""):
            at = _collection_time(values["collected_at"])
            if at is None:
                fail(row, "collected_at", _(
                    "a collection time with its time zone, not in the future, is required "
                    "(for example 2022-04-04T08:15:00+08:00)"))
            else:
                collected[row] = at
        elif values.get("queued_seconds") not in (None, ""):
            at = _queued_time(values["queued_seconds"], arrived)
            if at is None:
                fail(row, "queued_seconds", _(
                    "the seconds the tube waited in the queue, a whole number from 0 to "
                    "%(most)d") % {"most": MAX_QUEUED.days * 86400})
            else:
                collected[row] = at
        parsed.append((row, barcode, members, _int(values.get("site")),
                       _int(values.get("round")), retest))
    sites = {s.pk: s for s in Site.objects.visible_to(actor, Can.COLLECT_SAMPLES).filter(
        pk__in={p[3] for p in parsed if p[3]})}
    rounds = {r.pk: r for r in Round.objects.filter(pk__in={p[4] for p in parsed if p[4]})}
    capacities = {pk: capacity_of(r) for pk, r in rounds.items()}
    people = _people(actor, [m for p in parsed for m in p[2]])
    existing = dict(tube_rows_by_barcode([p[1] for p in parsed if p[1]], ("barcode", "content")))
    person_of = people.get
    seen_barcodes: dict[str, int] = {}
    seen_people: dict[tuple[int, bool], dict[int, int]] = {}  # (round, retest) -> person -> row
    scanned: dict[int, str] = {}  # person -> the code or number scanned: what errors name
    todo = []
    for row, barcode, members, site_id, round_id, retest in parsed:
        site, round_ = sites.get(site_id), rounds.get(round_id)
        if site is None:
            fail(row, "site", _("no collection site number %(n)s in your area") % {
                "n": site_id or "?"})
        if round_ is None:
            fail(row, "round", _("no screening round number %(n)s") % {"n": round_id or "?"})
        ids = []
        for code in members:
            found = person_of(code.upper())
            if found is None:
                fail(row, "members", _(
                    "%(code)s is not the screening code or identity number of a person "
                    "registered in your area") % {"code": code})
            elif found[0] in ids:
                fail(row, "members", _("%(code)s is scanned twice in this tube") % {"code": code})
            else:
                ids.append(found[0])
                scanned.setdefault(found[0], code)
        if row in bad:
            continue
        fingerprint = rules.content_fingerprint(round_.pk, site.pk, ids, retest)
        if barcode in existing:
            if existing[barcode] == fingerprint:
                done.unchanged += 1
                done.outcome[row] = "unchanged"
            else:
                fail(row, "barcode", _("barcode %(barcode)s is already used by another tube")
                     % {"barcode": barcode})
            continue
        if barcode in seen_barcodes:
            fail(row, "barcode", _("barcode %(barcode)s is also on row %(other)d") % {
                "barcode": barcode, "other": seen_barcodes[barcode]})
            continue
        if round_.closed:
            fail(row, "round", _("the round is closed"))
        most = 1 if retest else capacities[round_.pk]
        if len(ids) > most:
            fail(row, "members", _("%(n)d people; a tube of this round holds at most %(max)d")
                 % {"n": len(ids), "max": most})
        seen = seen_people.setdefault((round_.id, retest), {})
        for pid in ids:
            other = seen.get(pid)
            if other is not None:
                fail(row, "members", _("%(code)s is also in the tube of row %(other)d")
                     % {"code": scanned[pid], "other": other})
        if row in bad:
            continue
        seen_barcodes[barcode] = row
        seen.update(dict.fromkeys(ids, row))
        todo.append((row, barcode, site, round_, ids, fingerprint, retest))
    _refuse_sampled(todo, fail, scanned)
    if done.errors and not partial:
        raise InvalidInput(message, done.errors)
    # In barcode order: two batches sharing tubes take the barcode index's locks in one order
    # (no deadlock), and the loser of a race finds the winner's rows on its retry.
    todo = sorted((t for t in todo if t[0] not in bad), key=lambda t: t[1])
    with transaction.atomic():
        _write(actor, todo, people, done, collected)
    return done


def _collection_time(value) -> datetime | None:
    """The time a tube was taken (FHIR Specimen.collection.collectedDateTime, a CSV's or a
    JSON batch's `collected_at`): aware, and not later than now (a few minutes of clock skew
    allowed); None when it is not one. Turnaround starts from it."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        return None
    return value if value <= now() + timedelta(minutes=5) else None


def _queued_time(value, arrived: datetime) -> datetime | None:
    """When a tube that waited in a site's offline queue was sealed: its arrival less the
    seconds it waited, which the phone counts (its clock's date and hour are not trusted: a
    phone set ten minutes fast would date every tube in the future). None when it is not a
    whole number of seconds from 0 to MAX_QUEUED."""
    try:
        seconds = int(str(value).strip())
    except ValueError:
        return None
    waited = timedelta(seconds=seconds)
    return arrived - waited if timedelta(0) <= waited <= MAX_QUEUED else None


def _among(field_name: str, ids: Sequence[int]) -> Q:
    """`field IN ids`, or a range when the ids are dense (a batch of neighbours): Django builds
    a long IN list slowly (about 20 µs a value), a range in no time; callers filter the rows
    back to `ids`."""
    low, high = min(ids), max(ids)
    if high - low < 4 * len(ids):
        return Q(**{f"{field_name}__gte": low, f"{field_name}__lte": high})
    return Q(**{f"{field_name}__in": list(ids)})


def _int(value) -> int | None:
    """A record number, or None (also for one no database column holds)."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def _people(actor: Actor, codes: list[str]) -> dict[str, tuple[int, int, int]]:
    """code (upper case) -> (person id, tenant id, home area id), in the actor's scope."""
    scoped = Person.objects.visible_to(actor, Can.COLLECT_SAMPLES)
    named: dict[str, int] = {}  # code -> the record number its MAC vouches for
    numbers = []
    key = settings.SECRET_KEY.encode()  # once: the lazy settings cost more than the MAC
    person_of_code = rules.person_of_code
    for code in set(map(str.upper, codes)):
        pid = person_of_code(code, key)
        if pid:
            named[code] = pid
        else:
            numbers.append(code)
    # person id -> (id, tenant, home area) of the people in scope (a range may bring others)
    in_scope: dict[int, tuple[int, int, int]] = {}
    for chunk in _chunks(sorted(set(named.values()))):
        in_scope.update((row[0], row) for row in scoped.filter(_among("pk", chunk)).values_list(
            "pk", "tenant_id", "home_area_id"))
    found = {code: in_scope[pid] for code, pid in named.items() if pid in in_scope}
    for chunk in _chunks(numbers):
        counts: dict[str, list] = {}
        for number, pid, tenant, area in scoped.filter(id_number__in=chunk).values_list(
                "id_number", "pk", "tenant_id", "home_area_id"):
            counts.setdefault(number.upper(), []).append((pid, tenant, area))
        found.update({n: rows[0] for n, rows in counts.items() if len(rows) == 1})
    return found


def _refuse_sampled(todo: list, fail, scanned: Mapping[int, str]) -> None:
    """A person sampled in the round already (a first sample), or retested without an open
    recall (a retest), named by the code or number scanned (their record number means
    nothing at the site)."""
    for retest in (False, True):
        by_round: dict[int, dict[int, int]] = {}
        for row, _b, _s, round_, ids, _f, is_retest in todo:
            if is_retest == retest:
                by_round.setdefault(round_.id, {}).update(dict.fromkeys(ids, row))
        for round_id, rows in by_round.items():
            for chunk in _chunks(sorted(rows)):
                if retest:
                    recalled = set(Recall.objects.filter(
                        round_id=round_id, person_id__in=chunk, status=RecallStatus.NOTIFIED
                    ).values_list("person_id", flat=True))
                    for pid in set(chunk) - recalled:
                        fail(rows[pid], "members", _(
                            "%(code)s has no open recall in this round") % {
                            "code": scanned[pid]})
                    continue
                wanted = set(chunk)
                for pid, barcode in TubeMember.objects.filter(
                        _among("person_id", chunk), round_id=round_id, retest=False
                ).values_list("person_id", "tube__barcode"):
                    if pid not in wanted:
                        continue
                    fail(rows[pid], "members", _(
                        "%(code)s was already sampled in this round (tube %(barcode)s)") % {
                        "code": scanned[pid], "barcode": barcode})


def _resample(tubes: list[tuple[int, tuple]], when) -> None:
    """The open recalls of the retested people are resampled (in their retest tube): one
    statement run for all of them (executemany), each row found by the recall_round_person
    index; one ORM UPDATE a person cost about a millisecond (20 s for a city's recalls).
    `tubes`: (tube id, the checked row) of the batch's new tubes."""
    retests = [(tube_id, round_.pk, pid)
               for tube_id, (_r, _b, _s, round_, ids, _f, retest) in tubes if retest
               for pid in ids]
    if not retests:
        return
    table = connection.ops.quote_name(Recall._meta.db_table)
    when = connection.ops.adapt_datetimefield_value(when)  # as the ORM stores it
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET status = %s, retest_tube_id = %s, updated_at = %s "  # noqa: S608
            "WHERE round_id = %s AND person_id = %s AND status = %s",
            [(RecallStatus.RESAMPLED.value, tube_id, when, round_id, pid,
              RecallStatus.NOTIFIED.value) for tube_id, round_id, pid in retests])


def _write(actor: Actor, todo: list, people: dict, done: Batch,
           collected: Mapping[int, datetime]) -> None:
    """Tubes, members and the audit event naming every person, written as columns by
    core/bulk.py (COPY on PostgreSQL, executemany on SQLite): the rows were checked above, and
    no model instance is built per row (measured: Django's model __init__ was a third of the
    cost)."""
    if not todo:
        return
    when, who = now(), user_of(actor)
    n = len(todo)
    tube_ids = bulk.allocate_ids(Tube._meta.db_table, n)
    stamp = pa.array([when] * n, pa.timestamp("us", tz="UTC"))
    user = pa.array([who.pk if who else None] * n, pa.int64())
    bulk.write_columns(Tube._meta.db_table, pa.table({
        "id": pa.array(tube_ids, pa.int64()),
        "tenant_id": pa.array([t[2].tenant_id for t in todo], pa.int64()),
        "area_id": pa.array([t[2].area_id for t in todo], pa.int64()),
        "barcode": pa.array([t[1] for t in todo], pa.string()),
        "round_id": pa.array([t[3].pk for t in todo], pa.int64()),
        "site_id": pa.array([t[2].pk for t in todo], pa.int64()),
        "capacity": pa.array([capacity_of(t[3], retest=t[6]) for t in todo], pa.int32()),
        "members_count": pa.array([len(t[4]) for t in todo], pa.int32()),
        "retest": pa.array([t[6] for t in todo], pa.bool_()),
        "content": pa.array([t[5] for t in todo], pa.string()),
        "status": pa.array([TubeStatus.SEALED.value] * n, pa.string()),
        # the time the site gave (offline queue, FHIR), else when it reached us
        "collected_at": pa.array([collected.get(t[0], when) for t in todo],
                                 pa.timestamp("us", tz="UTC")),
        "collected_by_id": user, "sealed_at": stamp, "sealed_by_id": user,
        "result": pa.array([""] * n, pa.string())}))
    home = {v[0]: v for v in people.values()}
    # The members as columns, built a tube at a time: no tuple per member (a batch's 20,000
    # tuples were mostly the garbage collector's work)
    tube_col, round_col, person_col, retest_col = [], [], [], []
    for tube_id, (_r, _b, _s, round_, ids, _f, retest) in zip(tube_ids, todo, strict=True):
        person_col += ids
        tube_col += [tube_id] * len(ids)
        round_col += [round_.pk] * len(ids)
        retest_col += [retest] * len(ids)
    tenant_col = [home[pid][1] for pid in person_col]
    member_ids = bulk.allocate_ids(TubeMember._meta.db_table, len(person_col))
    number = pa.int64()
    bulk.write_lists(TubeMember._meta.db_table, {
        "id": (member_ids, number), "tenant_id": (tenant_col, number),
        "area_id": ([home[pid][2] for pid in person_col], number), "tube_id": (tube_col, number),
        "round_id": (round_col, number), "person_id": (person_col, number),
        "retest": (retest_col, pa.bool_())})
    _resample(list(zip(tube_ids, todo, strict=True)), when)
    done.created += n
    done.outcome.update((t[0], "created") for t in todo)
    done.people += len(person_col)
    event = audit.record(actor=actor, action="create", object_type="tube",
                         object_id=f"{n} tubes", detail={"first": todo[0][1], "last": todo[-1][1]})
    shown = dict(zip(person_col, tenant_col, strict=True))  # each person once
    bulk.write_lists(AuditShown._meta.db_table, {
        "event_id": ([event.pk] * len(shown), number), "person_id": (list(shown), number),
        "tenant_id": (list(shown.values()), number)})
