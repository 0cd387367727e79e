"""Collection and transport: a sealed tube submitted in one call (idempotent by barcode), a box
of tubes shipped, a box received at the lab."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from outbreakhq import protocols
from outbreakhq.core import audit, bulk
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.core.models import Person
from outbreakhq.core.roles import Can
from outbreakhq.core.scoped import require_role
from outbreakhq.screening import rules
from outbreakhq.screening.models import (
    POOL_RULE,
    Box,
    BoxStatus,
    Recall,
    RecallStatus,
    Round,
    RoundKind,
    Tube,
    TubeMember,
    TubeStatus,
)
from outbreakhq.screening.services.common import (
    box_named,
    lab_named,
    now,
    round_named,
    row_error,
    site_named,
    tube_rows_by_barcode,
    user_of,
)

MAX_BARCODE = 64


@dataclass(frozen=True)
class Submitted:
    tube: Tube
    created: bool  # False: the same tube was submitted before (a resubmission)


def capacity_of(round_: Round, *, retest: bool = False) -> int:
    """Swabs a tube of this round may hold, from the preset (screening.pool_size.*)."""
    if retest:
        return 1
    screening = protocols.current().screening
    rule = getattr(screening.pool_size, POOL_RULE[RoundKind(round_.kind)])
    return rules.pool_capacity(rule, screening.max_pool_size)


def resolve_people(actor: Actor, codes: Sequence[str], message: str) -> list[Person]:
    """The people the scanned codes or identity numbers name, in scope for collection, in the
    order scanned; one error per unknown code, naming its position. One query for the whole
    tube: codes and identity numbers together, through the one scoped entry point (issue 9,
    the 9 a.m. surge: every query of a sealed tube counts)."""
    wanted: list[tuple[int, str, int | None]] = []
    key = settings.SECRET_KEY.encode()  # once: the lazy settings cost more than the MAC
    for row, raw in enumerate(codes, start=1):
        code = str(raw or "").strip()
        wanted.append((row, code, rules.person_of_code(code, key) if code else None))
    ids = [pid for _r, _c, pid in wanted if pid]
    numbers = [c.upper() for _r, c, pid in wanted if pid is None and c]
    by_id: dict[int, Person] = {}
    by_number: dict[str, list[Person]] = {}
    if ids or numbers:
        named = Q(pk__in=ids) if ids else Q()
        if numbers:
            named = (named | Q(id_number__in=numbers)) if ids else Q(id_number__in=numbers)
        for person in Person.objects.visible_to(actor, Can.COLLECT_SAMPLES).filter(named).only(
                "pk", "tenant_id", "home_area_id", "id_number"):
            by_id[person.pk] = person
            if person.id_number:
                by_number.setdefault(person.id_number.upper(), []).append(person)
    people, errors = [], []
    for row, code, pid in wanted:
        found = by_id.get(pid) if pid else None
        if found is None and pid is None:
            matches = by_number.get(code.upper(), [])
            found = matches[0] if len(matches) == 1 else None
            if len(matches) > 1:
                errors.append(row_error(row, "members", _(
                    "identity number %(code)s names several registered people; scan their "
                    "screening codes") % {"code": code}))
                continue
        if found is None:
            errors.append(row_error(row, "members", _(
                "%(code)s is not the screening code or identity number of a person registered "
                "in your area") % {"code": code or _("(blank)")}))
            continue
        people.append(found)
    seen: dict[int, int] = {}
    for row, person in enumerate(people, start=1):
        if person.pk in seen:
            errors.append(row_error(row, "members", _("scanned twice in this tube")))
        seen[person.pk] = row
    if errors:
        raise InvalidInput(message, errors)
    return people


def submit_tube(*, actor: Actor, barcode: str, members: Sequence[str], site_id: int,
                round_id: int, retest: bool = False) -> Submitted:
    """A sealed tube in one call: its barcode, its members' codes (or identity numbers), the
    site and the round. Submitting it again with the same content answers the same tube (a site
    back online resends its queue); the same barcode with other content is refused."""
    require_role(actor, Can.COLLECT_SAMPLES, what="tube")
    barcode = str(barcode or "").strip()
    message = _("Tube %(barcode)s was not saved.") % {"barcode": barcode or "?"}
    if not barcode or len(barcode) > MAX_BARCODE:
        raise InvalidInput(message, [FieldError("barcode", _("a barcode of 1 to 64 characters "
                                                             "is required"))])
    if not members:
        raise InvalidInput(message, [FieldError("members", _("scan at least one person"))])
    # PostgreSQL writes a first sample in one statement, which checks itself that the round
    # is still open: the round may come from this process's keeper (core/kept.py).
    at_once = connection.vendor == "postgresql" and not retest
    site = site_named(actor, site_id, message)
    round_ = round_named(round_id, message, kept=at_once)
    people = resolve_people(actor, members, message)
    fingerprint = rules.content_fingerprint(round_.pk, site.pk, [p.pk for p in people], retest)
    capacity = capacity_of(round_, retest=retest)
    if round_.closed or len(people) > capacity:
        return _closed_or_full(round_, len(people), capacity, barcode, fingerprint, message)
    # Written first, explained after (issue 9): the unique barcode and the constraint
    # screening_once_per_round refuse a resubmission, a reused barcode and a person sampled
    # twice, so the common case (a new tube) reads nothing more before it writes.
    try:
        if at_once:
            tube = _write_at_once(actor, barcode, people, site, round_, capacity, fingerprint)
            if tube is None:  # the round was closed since this process read it
                return _closed_or_full(round_named(round_id, message), len(people), capacity,
                                       barcode, fingerprint, message)
        else:
            with transaction.atomic():
                tube = _write(actor, barcode, people, site, round_, capacity, fingerprint,
                              retest, message)
    except IntegrityError:
        # A resubmission, a reused barcode, someone sampled before in this round, or another
        # site sending the same barcode (or the same person) at the same moment.
        earlier = _earlier(barcode, fingerprint, message)
        if earlier is not None:
            return Submitted(earlier, False)
        _refuse_sampled(round_, people, message, retest)
        raise
    except InvalidInput:
        # A retest sent again: its recalls read as resampled already; it is the same tube.
        earlier = _earlier(barcode, fingerprint, message)
        if earlier is not None:
            return Submitted(earlier, False)
        raise
    return Submitted(tube, True)


def _closed_or_full(round_: Round, count: int, capacity: int, barcode: str, fingerprint: str,
                    message: str) -> Submitted:
    """A tube for a closed round, or with more people than it may hold: the same tube sent
    before (before the round closed) is answered as sent; anything else is refused."""
    earlier = _earlier(barcode, fingerprint, message)
    if earlier is not None:
        return Submitted(earlier, False)
    if count > capacity:
        raise InvalidInput(message, [FieldError("members", _(
            "%(n)d people scanned; a tube of this round holds at most %(max)d (protocol: "
            "screening.pool_size)") % {"n": count, "max": capacity})])
    raise InvalidInput(message, [FieldError("round", _("the round is closed"))])


def _earlier(barcode: str, fingerprint: str, message: str) -> Tube | None:
    tube = Tube.objects.filter(barcode=barcode).first()
    if tube is None:
        return None
    if tube.content != fingerprint:
        raise InvalidInput(message, [FieldError("barcode", _(
            "barcode %(barcode)s is already used by another tube; take a new tube") % {
            "barcode": barcode})])
    return tube


def _refuse_sampled(round_: Round, people: list[Person], message: str, retest: bool) -> None:
    if retest:
        open_recalls = set(Recall.objects.filter(
            round=round_, person__in=people, status=RecallStatus.NOTIFIED
        ).values_list("person_id", flat=True))
        errors = [row_error(row, "members", _("has no open recall in this round"))
                  for row, p in enumerate(people, start=1) if p.pk not in open_recalls]
    else:
        before = dict(TubeMember.objects.filter(round=round_, person__in=people, retest=False)
                      .values_list("person_id", "tube__barcode"))
        errors = [row_error(row, "members", _(
            "already sampled in this round (tube %(barcode)s)") % {"barcode": before[p.pk]})
            for row, p in enumerate(people, start=1) if p.pk in before]
    if errors:
        raise InvalidInput(message, errors)


def _write(actor: Actor, barcode: str, people: list[Person], site, round_: Round, capacity: int,
           fingerprint: str, retest: bool, message: str) -> Tube:
    if retest:  # first samples are held to once a round by the constraint, retests by this
        _refuse_sampled(round_, people, message, retest)
    when, who = now(), user_of(actor)
    tube = Tube.objects.create(
        tenant_id=site.tenant_id, area=site.area, barcode=barcode, round=round_, site=site,
        capacity=capacity, members_count=len(people), retest=retest, content=fingerprint,
        status=TubeStatus.SEALED, collected_at=when, collected_by=who, sealed_at=when,
        sealed_by=who)
    TubeMember.objects.bulk_create(
        TubeMember(tenant_id=p.tenant_id, area_id=p.home_area_id, tube=tube, round=round_,
                   person=p, retest=retest) for p in people)
    if retest:
        Recall.objects.filter(round=round_, person__in=people,
                              status=RecallStatus.NOTIFIED).update(
            status=RecallStatus.RESAMPLED, retest_tube=tube, updated_at=when)
    audit.record(actor=actor, action="create", object_type="tube", object_id=barcode,
                 area=site.area, detail={"members": len(people), "round": round_.pk},
                 others=[(p.pk, p.tenant_id) for p in people])
    return tube


def _write_at_once(actor: Actor, barcode: str, people: list[Person], site, round_: Round,
                   capacity: int, fingerprint: str) -> Tube | None:
    """_write for a first sample on PostgreSQL: the tube, its members, the audit event and the
    people it names in one statement (a WITH of four INSERTs), which is its own transaction
    when no caller's is open: one round trip instead of six (BEGIN, four INSERTs, COMMIT) and
    no ORM compiler (issue 9, the 9 a.m. surge: measured in bench/surge_cpu.py). The same
    rows as _write; a unique constraint refuses the statement as a whole, as it refuses
    _write's transaction. It writes only while the round is open (`round_` may be the
    process's kept copy, its `closed` stale): None when the round is closed."""
    when, who = now(), user_of(actor)
    tube = Tube(
        tenant_id=site.tenant_id, area=site.area, barcode=barcode, round=round_, site=site,
        capacity=capacity, members_count=len(people), retest=False, content=fingerprint,
        status=TubeStatus.SEALED, collected_at=when, collected_by=who, sealed_at=when,
        sealed_by=who)
    tube_sql, params = bulk.insert_returning(tube, where=(
        f'EXISTS (SELECT 1 FROM "{Round._meta.db_table}" WHERE "id" = %s AND NOT "closed")',
        [round_.pk]))
    event_sql, event_params = audit.record_chained(
        actor=actor, action="create", object_type="tube", object_id=barcode, area=site.area,
        detail={"members": len(people), "round": round_.pk},
        others=[(p.pk, p.tenant_id) for p in people])
    sql = (f"WITH written AS ({tube_sql}), members AS (INSERT INTO "
           f'"{TubeMember._meta.db_table}" ("tenant_id", "area_id", "tube_id", "round_id", '
           '"person_id", "retest") SELECT m.tenant, m.area, written.id, %s, m.person, false '
           "FROM written, unnest(%s::bigint[], %s::bigint[], %s::bigint[]) "
           f"AS m(tenant, area, person)), {event_sql} SELECT id FROM written")
    params += [round_.pk, [p.tenant_id for p in people], [p.home_area_id for p in people],
               [p.pk for p in people], *event_params]
    # Inside a caller's transaction (a test, a batch), a savepoint keeps a refusal from
    # breaking it; alone, the statement is its own transaction.
    with transaction.atomic() if connection.in_atomic_block else nullcontext(), \
            connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None  # the round is closed: nothing was written
    tube.pk = row[0]
    tube._state.adding, tube._state.db = False, connection.alias
    return tube


def ship_box(*, actor: Actor, site_id: int, box_code: str, barcodes: Sequence[str]) -> Box:
    """Sealed tubes of a site leave in a transport box (custody: shipped, when, who). Sending
    the same box with the same tubes again answers the same box."""
    require_role(actor, Can.COLLECT_SAMPLES, what="box")
    box_code = str(box_code or "").strip()
    message = _("Box %(code)s was not shipped.") % {"code": box_code or "?"}
    if not box_code or len(box_code) > 64:
        raise InvalidInput(message, [FieldError("box", _("a box code of 1 to 64 characters is "
                                                         "required"))])
    wanted = [str(b).strip() for b in barcodes if str(b).strip()]
    if not wanted:
        raise InvalidInput(message, [FieldError("tubes", _("put at least one tube in the box"))])
    site = site_named(actor, site_id, message)
    with transaction.atomic():
        existing = Box.objects.filter(code=box_code).first()
        # (id, status, box) by barcode, locked: no model instance per tube (a box of a
        # city's round holds thousands), found by id: a box's tubes were registered together,
        # their ids are one range (bulk.with_ids)
        ids = [pk for pk, in tube_rows_by_barcode(wanted, ("id",))]
        tubes = {barcode: (pk, status, box_id) for pk, barcode, site_id, status, box_id in
                 bulk.with_ids(Tube.objects.select_for_update(), ids).values_list(
                     "pk", "barcode", "site_id", "status", "box_id") if site_id == site.pk}
        if existing is not None:
            if existing.site_id == site.pk and {t[2] for t in tubes.values()} == {
                    existing.pk} and len(tubes) == len(set(wanted)):
                return existing
            raise InvalidInput(message, [FieldError("box", _(
                "box %(code)s was already shipped with other tubes") % {"code": box_code})])
        errors = []
        for row, code in enumerate(wanted, start=1):
            tube = tubes.get(code)
            if tube is None:
                errors.append(row_error(row, "tubes", _(
                    "tube %(code)s was not collected at this site") % {"code": code}))
            elif tube[1] != TubeStatus.SEALED or tube[2]:
                errors.append(row_error(row, "tubes", _(
                    "tube %(code)s is %(status)s, not waiting to be shipped") % {
                    "code": code, "status": TubeStatus(tube[1]).label}))
        if errors:
            raise InvalidInput(message, errors)
        when, who = now(), user_of(actor)
        box = Box.objects.create(tenant_id=site.tenant_id, area=site.area, site=site,
                                 code=box_code, shipped_at=when, shipped_by=who)
        bulk.with_ids(Tube.objects.all(), [t[0] for t in tubes.values()]).update(
            box=box, status=TubeStatus.SHIPPED, shipped_at=when, shipped_by=who)
        audit.record(actor=actor, action="create", object_type="box", object_id=box_code,
                     area=site.area, detail={"tubes": len(tubes)})
    return box


def receive_box(*, actor: Actor, box_code: str, lab_id: int | None = None) -> Box:
    """The lab receives a box: the box and its tubes are received (when, who, at which lab:
    `lab_id`, or the technician's only lab). Receiving it again changes nothing (another lab
    named for a box received before is refused)."""
    require_role(actor, Can.RECORD_RESULTS, what="box")
    box_code = str(box_code or "").strip()
    message = _("Box %(code)s was not received.") % {"code": box_code or "?"}
    with transaction.atomic():
        box = box_named(actor, box_code, message, lock=True)
        lab = lab_named(actor, lab_id, message)
        if box.status == BoxStatus.RECEIVED:
            if lab_id not in (None, "") and lab and box.lab_id not in (None, lab.pk):
                raise InvalidInput(message, [row_error(None, "lab", _(
                    "box %(code)s was received at another lab") % {"code": box_code})])
            return box
        when, who = now(), user_of(actor)
        box.status, box.received_at, box.received_by = BoxStatus.RECEIVED, when, who
        box.lab = lab
        box.save(update_fields=["status", "received_at", "received_by", "lab"])
        Tube.objects.filter(box=box, status=TubeStatus.SHIPPED).update(
            status=TubeStatus.RECEIVED, received_at=when, received_by=who)
        audit.record(actor=actor, action="change", object_type="box", object_id=box.code,
                     area=box.area, detail={"fields": ["status", "lab"] if lab else ["status"],
                                            "lab": lab.pk if lab else None})
    return box
