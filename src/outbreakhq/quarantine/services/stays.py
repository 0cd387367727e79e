"""Stays: place a person (or a household) in a site and room, transfer, record a test day,
release. One use case, one transaction; refusals name the field and the reason (issue 10's bad
input: over capacity, already in a stay, release before the schedule ends, a result on a day
that is not a test day, an end before a start). A commander overrides a rule with a written
reason (Can.OVERRIDE_RULES), kept as an Override row and in the audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import batched

from django.db import IntegrityError, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from outbreakhq import protocols
from outbreakhq.core import audit, bulk, events
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.core.models import Person
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can
from outbreakhq.core.scoped import access_person, require, require_role
from outbreakhq.core.unit_of_work import unit_of_work
from outbreakhq.quarantine import rules
from outbreakhq.quarantine.models import (
    KIND_LABELS,
    Awaiting,
    AwaitingStatus,
    Override,
    Room,
    Site,
    SiteKind,
    Stay,
    StayStatus,
    StayTest,
    TestResult,
)
from outbreakhq.quarantine.services.access import (
    access_stay,
    room_locked,
    room_numbered,
    rule_of,
    site_named,
)

PLACE_FAILED = _("The person was not placed.")


def today() -> date:
    return timezone.localdate()


def refuse(message: str, field: str, problem: str):
    raise InvalidInput(message, [FieldError(field, problem)])


def _audit(actor: Actor, action: str, stay: Stay, **detail) -> None:
    audit.record(actor=actor, action=action, object_type="stay", object_id=stay.pk,
                 person=stay.person, area=stay.area, detail=detail)


def read_day(raw, *, message: str, field: str, default: date | None = None) -> date:
    """A date from a form or body (a date object passes through); never in the future."""
    if raw in (None, ""):
        if default is None:
            refuse(message, field, _("is required"))
        return default
    try:
        value = raw if isinstance(raw, date) else date.fromisoformat(str(raw).strip())
    except ValueError:
        refuse(message, field, _("%(value)r is not a date (YYYY-MM-DD)") % {"value": raw})
    if value > today():
        refuse(message, field, _("%(value)s is in the future") % {"value": value})
    return value


def read_kind(raw, *, message: str) -> tuple[str, protocols.Protocol]:
    kind = (raw or "close_contact").strip()
    protocol = protocols.current()
    if kind not in protocols.PERSON_CATEGORIES:
        refuse(message, "kind", _("%(kind)r is not one of %(kinds)s")
               % {"kind": kind, "kinds": ", ".join(protocols.PERSON_CATEGORIES)})
    if not rules.has_stay(protocol.rule_for(kind)):
        refuse(message, "kind", _("the protocol %(preset)s quarantines no %(kind)s")
               % {"preset": protocol.meta.name, "kind": KIND_LABELS.get(kind, kind)})
    return kind, protocol


def occupants(room: Room, on: date, *, excluding: Stay | None = None):
    """The stays holding a bed of `room` on `on`: placed, not released, still in quarantine."""
    rows = Stay.objects.filter(room=room, status=StayStatus.PLACED, quarantine_end__gte=on)
    return rows.exclude(pk=excluding.pk) if excluding is not None else rows


def check_room(site: Site, room: Room | None, *, household: str, on: date, message: str,
               excluding: Stay | None = None, arriving: int = 1) -> None:
    """Capacity and company of a room. The caller holds the room's row lock."""
    if room is None:
        return
    held = list(occupants(room, on, excluding=excluding).values_list("household", flat=True))
    check_company(site, room, held, household=household, arriving=arriving, message=message)


def check_company(site: Site, room: Room, held: list[str], *, household: str, arriving: int,
                  message: str) -> None:
    """The room's rule given the households of the beds already held (one entry a bed): no
    more people than beds, and no unrelated people together unless the site allows it. The
    form reads `held` from the database; a bulk placement counts its own groups too."""
    if len(held) + arriving > room.beds:
        refuse(message, "room", _("room %(room)s is full: %(held)d of %(beds)d beds taken")
               % {"room": room.number, "held": len(held), "beds": room.beds})
    if held and not site.shared_rooms and (not household or set(held) != {household}):
        refuse(message, "room", _("room %(room)s holds other people, and %(site)s does not put "
                                  "unrelated people in one room")
               % {"room": room.number, "site": site.name})


def check_household(site: Site, room: Room | None, household: str, *, message: str) -> None:
    """A household stays together: its placed members' room is where the next one goes."""
    if not household:
        return
    apart = Stay.objects.filter(tenant_id=site.tenant_id, household=household,
                                status=StayStatus.PLACED).exclude(site=site, room=room)
    other = apart.select_related("site", "room").first()
    if other is not None:
        refuse_apart(household, other.site.name, other.room.number if other.room else "",
                     message=message)


def refuse_apart(household: str, site_name: str, room_number: str, *, message: str) -> None:
    """A household's members are placed together: this one's are elsewhere already."""
    refuse(message, "room", _("household %(h)s is placed in %(site)s, room %(room)s: place its "
                              "members together")
           % {"h": household, "site": site_name, "room": room_number or "—"})


def pick_room(site: Site, *, size: int, household: str, on: date, message: str) -> Room:
    """The room a placement without a room number goes to, its row locked: the household's
    room if it is already in this site, else the smallest room with enough free beds (empty,
    unless unrelated people may share). A candidate found full once locked (a placement
    meanwhile) is skipped."""
    if household:
        member = Stay.objects.filter(tenant_id=site.tenant_id, household=household,
                                     status=StayStatus.PLACED, site=site).first()
        if member is not None and member.room_id is not None:
            return room_locked(site, member.room_id, message=message)
    held = (Stay.objects.filter(room=OuterRef("pk"), status=StayStatus.PLACED,
                                quarantine_end__gte=on).order_by().values("room")
            .annotate(n=Count("pk")).values("n"))
    rooms = (Room.objects.filter(site=site, beds__gte=size)
             .annotate(held=Coalesce(Subquery(held, output_field=IntegerField()), Value(0))))
    rooms = rooms.filter(held__lte=F("beds") - size) if site.shared_rooms else rooms.filter(
        held=0)
    for candidate in rooms.order_by("beds", "pk").values_list("pk", flat=True)[:5]:
        room = Room.objects.select_for_update().get(pk=candidate)
        taken = occupants(room, on).count()
        if taken + size <= room.beds and (site.shared_rooms or taken == 0):
            return room
    refuse(message, "room", _("no room of %(site)s has %(n)d free beds")
           % {"site": site.name, "n": size})


def _create_stay(*, actor: Actor, person: Person, site: Site, room: Room | None, kind: str,
                 protocol: protocols.Protocol, start: date, household: str,
                 contact_id: int | None, message: str, previous: Stay | None = None) -> Stay:
    rule = protocol.rule_for(kind)
    existing = Stay.objects.filter(person=person, status=StayStatus.PLACED).select_related(
        "site").first()
    if existing is not None:
        refuse(message, "person", _("%(name)s is already in a stay at %(site)s (stay %(n)d)")
               % {"name": person.name, "site": existing.site.name, "n": existing.pk})
    try:
        with transaction.atomic():  # a savepoint: the backstop constraint leaves no half write
            stay = Stay.objects.create(
                tenant_id=site.tenant_id, area=site.area, person=person, site=site,
                room=room, kind=kind, protocol=protocol.meta.name, start=start,
                quarantine_end=rules.quarantine_end(rule, start),
                planned_end=rules.planned_end(rule, start), household=household,
                contact_id=contact_id, previous=previous,
                placed_by=actor.user if actor.is_authenticated else None)
    except IntegrityError:
        refuse(message, "person", _("%(name)s is already in a stay") % {"name": person.name})
    Awaiting.objects.filter(person=person, status=AwaitingStatus.WAITING).update(
        status=AwaitingStatus.PLACED)
    return stay


def place(*, actor: Actor, person_id: int, site_id, room_id=None, kind: str = "",
          start=None, household: str = "", contact_id: int | None = None,
          room_number: str = "") -> Stay:
    """Place one person in a site's room (home quarantine: no room)."""
    return place_household(actor=actor, person_ids=(person_id,), site_id=site_id,
                           room_id=room_id, kind=kind, start=start, household=household,
                           contact_id=contact_id, room_number=room_number)[0]


def place_household(*, actor: Actor, person_ids: Sequence[int], site_id, room_id=None,
                    kind: str = "", start=None, household: str = "",
                    contact_id: int | None = None, room_number: str = "",
                    override_reason: str = "") -> list[Stay]:
    """Place people together in one room: all of them, or none. Two or more people form a
    household (named after the first record number unless named). The room: `room_id`, or
    `room_number` (a form), or none: the first room that holds them (pick_room). A commander
    may place into a named room over its capacity or with unrelated people, with a written
    `override_reason` (kept as an Override of each stay, audited)."""
    capability = acting_as(actor, override_reason)
    require_role(actor, capability, what="stay")
    with unit_of_work(actor) as uow:
        people = uow.fetch_each(access_person, tuple(person_ids), capability)
        site = site_named(actor, site_id, message=PLACE_FAILED, capability=capability)
        return _place_group(actor, people, site, room_id=room_id, room_number=room_number,
                            kind=kind, start=start, household=household, contact_id=contact_id,
                            override_reason=(override_reason or "").strip()
                            if capability == Can.OVERRIDE_RULES else "")


def _place_group(actor: Actor, people: list[Person], site: Site, *, room_id, room_number: str,
                 kind: str, start, household: str, contact_id: int | None,
                 override_reason: str = "") -> list[Stay]:
    """The checks and writes of one placement, inside the caller's transaction. With an
    `override_reason` (a commander), the room's capacity and company rule may be set aside."""
    message = PLACE_FAILED
    kind, protocol = read_kind(kind, message=message)
    start = read_day(start, message=message, field="start", default=today())
    household = (household or "").strip()[:40]
    if not household and len(people) > 1:
        household = f"H{min(p.pk for p in people)}"
    on = max(start, today())
    room = None
    room_id = room_id or room_numbered(site, room_number, message=message)
    if not site.is_home:
        if str(room_id or "").strip():
            room = room_locked(site, room_id, message=message)
        else:
            room = pick_room(site, size=len(people), household=household, on=on,
                             message=message)
    check_household(site, room, household, message=message)
    set_aside = None
    try:
        check_room(site, room, household=household, on=on, message=message,
                   arriving=len(people))
    except InvalidInput as refusal:
        if not override_reason:
            raise
        set_aside = refusal
    stays = [_create_stay(actor=actor, person=person, site=site, room=room, kind=kind,
                          protocol=protocol, start=start, household=household,
                          contact_id=contact_id, message=message) for person in people]
    for stay in stays:
        _audit(actor, "create", stay, site=site.pk, room=room.pk if room else None,
               kind=kind, start=start.isoformat(), household=household)
        if set_aside is not None:
            _override(actor, stay, "room", f"{override_reason} "
                      f"({'; '.join(str(e) for e in set_aside.errors)})", message=message)
    return stays


@dataclass(frozen=True)
class Placement:
    """One group of a bulk placement: who, where (room None: picked, or home quarantine)."""

    person_ids: tuple[int, ...]
    site_id: int
    room_id: int | None
    kind: str
    household: str = ""


def place_many(*, actor: Actor, placements: Sequence[Placement]
               ) -> list[tuple[Placement, list[Stay] | InvalidInput]]:
    """Bulk placement in one transaction, set-based: the people, sites, rooms (locked, in
    (site, room) order, so two bulk placements cannot deadlock), the beds held in those rooms,
    the households already placed and the people already in a stay are read in a few queries;
    every group is then checked in memory exactly as `place_household` checks it (capacity,
    households together, no unrelated people in one room unless the site allows it, one stay per
    person), counting the groups placed before it in the batch; the stays, their audit events
    and the awaiting list's update are written in one pass each (core/bulk.py). A group refused
    is reported with its reason and the others are placed.

    Should the insert still hit the one-open-stay constraint (someone placed one of these
    people by hand between the read and the write), the batch falls back to checking and
    writing group by group, each in its own savepoint (`_place_each`)."""
    require_role(actor, Can.MANAGE_STAYS, what="stay")
    roomless = {p.site_id for p in placements if p.room_id is None}
    if roomless - set(Site.objects.filter(pk__in=roomless, kind=SiteKind.HOME).values_list(
            "pk", flat=True)):
        return _place_each(actor=actor, placements=placements)  # rooms to pick: the form's path
    wanted = {pk for p in placements for pk in p.person_ids}
    outcomes: dict[int, list[Stay] | InvalidInput] = {}
    order = sorted(range(len(placements)),
                   key=lambda i: (placements[i].site_id, placements[i].room_id or 0))
    start = today()
    with unit_of_work(actor):
        people = Person.objects.visible_to(actor, Can.MANAGE_STAYS).in_bulk(wanted)
        sites = Site.objects.visible_to(actor, Can.MANAGE_STAYS).select_related(
            "area").in_bulk({p.site_id for p in placements})
        room_ids = sorted({p.room_id for p in placements
                           if p.site_id in sites and p.room_id is not None})
        rooms: dict[int, Room] = {}
        for part in batched(room_ids, 5000):  # locked in (site, room) order
            rooms.update((r.pk, r) for r in Room.objects.select_for_update().filter(
                pk__in=part).order_by("site_id", "pk"))
        held: dict[int, list[str]] = {}
        for part in batched(room_ids, 5000):
            for room_id, household in Stay.objects.filter(
                    room_id__in=part, status=StayStatus.PLACED,
                    quarantine_end__gte=start).values_list("room_id", "household"):
                held.setdefault(room_id, []).append(household)
        households = {p.household for p in placements if p.household}
        placed_households: dict[str, tuple[int, int | None, str, str]] = {}
        tenant_ids = {s.tenant_id for s in sites.values()}
        hh = sorted(households)
        for part in batched(hh, 5000):
            for household, site_id, room_id, site_name, room_no in Stay.objects.filter(
                    tenant_id__in=tenant_ids, household__in=part,
                    status=StayStatus.PLACED).values_list(
                    "household", "site_id", "room_id", "site__name", "room__number"):
                placed_households.setdefault(household, (site_id, room_id, site_name,
                                                         room_no or ""))
        busy: dict[int, tuple[int, str]] = {}
        ids = sorted(wanted)
        for part in batched(ids, 5000):
            for person_id, pk, site_name in Stay.objects.filter(
                    person_id__in=part, status=StayStatus.PLACED
                    ).values_list("person_id", "pk", "site__name"):
                busy[person_id] = (pk, site_name)
        new_stays: list[Stay] = []
        for index in order:
            item = placements[index]
            try:
                outcomes[index] = _plan_group(
                    actor, item, people=people, sites=sites, rooms=rooms, held=held,
                    placed_households=placed_households, busy=busy, start=start)
                new_stays += outcomes[index]
            except InvalidInput as exc:
                outcomes[index] = exc
        try:
            with transaction.atomic():
                bulk.insert_models(new_stays)
        except IntegrityError:
            return _place_each(actor=actor, placements=placements)
        placed_people = [s.person_id for s in new_stays]
        for part in batched(placed_people, 5000):
            Awaiting.objects.filter(person_id__in=part,
                                    status=AwaitingStatus.WAITING).update(
                status=AwaitingStatus.PLACED)
        audit.record_each(actor=actor, action="create", object_type="stay", records=(
            (stay.pk, stay.person, stay.area, {
                "site": stay.site_id, "room": stay.room_id, "kind": stay.kind,
                "start": stay.start.isoformat(), "household": stay.household})
            for stay in new_stays))
    return [(item, outcomes[i]) for i, item in enumerate(placements)]


def _plan_group(actor: Actor, item: Placement, *, people, sites, rooms, held,
                placed_households, busy, start: date) -> list[Stay]:
    """One group of a bulk placement checked in memory as `_place_group` checks it; the stays
    to write (unsaved), with the batch's own state (`held`, `placed_households`, `busy`)
    updated as if they were written."""
    message = PLACE_FAILED
    if item.site_id not in sites:
        refuse(message, "site", _("no quarantine site %(n)s that you manage")
               % {"n": item.site_id})
    missing = [pk for pk in item.person_ids if pk not in people]
    if missing:
        refuse(message, "person", _("no person %(n)s in your jurisdiction") % {"n": missing[0]})
    site = sites[item.site_id]
    group = [people[pk] for pk in item.person_ids]
    kind, protocol = read_kind(item.kind, message=message)
    household = (item.household or "").strip()[:40]
    if not household and len(group) > 1:
        household = f"H{min(p.pk for p in group)}"
    room = None
    if not site.is_home:
        room = rooms.get(item.room_id)
        if room is None or room.site_id != site.pk:
            refuse(message, "room", _("no room %(n)s in %(site)s")
                   % {"n": item.room_id, "site": site.name})
    if household and household in placed_households:
        site_id, room_id, site_name, room_no = placed_households[household]
        if (site_id, room_id) != (site.pk, room.pk if room else None):
            refuse_apart(household, site_name, room_no, message=message)
    if room is not None:
        check_company(site, room, held.get(room.pk, []), household=household,
                      arriving=len(group), message=message)
    for person in group:
        if person.pk in busy:
            pk, site_name = busy[person.pk]
            refuse(message, "person", _("%(name)s is already in a stay at %(site)s (stay %(n)d)")
                   % {"name": person.name, "site": site_name, "n": pk})
    rule = protocol.rule_for(kind)
    user = actor.user if actor.is_authenticated else None
    stays = [Stay(tenant_id=site.tenant_id, area=site.area, person=person, site=site, room=room,
                  kind=kind, protocol=protocol.meta.name, start=start,
                  quarantine_end=rules.quarantine_end(rule, start),
                  planned_end=rules.planned_end(rule, start), household=household,
                  placed_by=user, status=StayStatus.PLACED)
             for person in group]
    if room is not None:
        held.setdefault(room.pk, []).extend([household] * len(group))
    if household:
        placed_households.setdefault(household, (site.pk, room.pk if room else None, site.name,
                                                 room.number if room else ""))
    for person in group:
        busy[person.pk] = (0, site.name)
    return stays


def _place_each(*, actor: Actor, placements: Sequence[Placement]
                ) -> list[tuple[Placement, list[Stay] | InvalidInput]]:
    """Bulk placement group by group (the form's checks and writes, each group in its own
    savepoint): for groups without a room chosen, and the set-based path's fallback."""
    wanted = {pk for p in placements for pk in p.person_ids}
    outcomes: dict[int, list[Stay] | InvalidInput] = {}
    order = sorted(range(len(placements)),
                   key=lambda i: (placements[i].site_id, placements[i].room_id or 0))
    with unit_of_work(actor):
        people = Person.objects.visible_to(actor, Can.MANAGE_STAYS).in_bulk(wanted)
        sites = Site.objects.visible_to(actor, Can.MANAGE_STAYS).in_bulk(
            {p.site_id for p in placements})
        for index in order:
            item = placements[index]
            try:
                if item.site_id not in sites:
                    refuse(PLACE_FAILED, "site", _("no quarantine site %(n)s that you manage")
                           % {"n": item.site_id})
                missing = [pk for pk in item.person_ids if pk not in people]
                if missing:
                    refuse(PLACE_FAILED, "person", _("no person %(n)s in your jurisdiction")
                           % {"n": missing[0]})
                with transaction.atomic():
                    outcomes[index] = _place_group(
                        actor, [people[pk] for pk in item.person_ids], sites[item.site_id],
                        room_id=item.room_id, room_number="", kind=item.kind, start=None,
                        household=item.household, contact_id=None)
            except InvalidInput as exc:
                outcomes[index] = exc
    return [(item, outcomes[i]) for i, item in enumerate(placements)]


def transfer(*, actor: Actor, stay_id: int, site_id, room_id=None, on=None,
             room_number: str = "") -> Stay:
    """Move a placed person to another site or room: the stay ends as transferred and a new
    one continues the same schedule (same start, kind and preset; its results carried over)."""
    message = _("The person was not transferred.")
    with unit_of_work(actor) as uow:
        old = uow.fetch(access_stay, stay_id, Can.MANAGE_STAYS)
        if old.status != StayStatus.PLACED:
            refuse(message, "status", _("only a placed stay can be transferred (now: %(s)s)")
                   % {"s": old.get_status_display()})
        on = read_day(on, message=message, field="date", default=today())
        if on < old.start:
            refuse(message, "date", _("%(on)s is before the stay began on %(start)s")
                   % {"on": on, "start": old.start})
        site = site_named(actor, site_id, message=message)
        room_id = room_id or room_numbered(site, room_number, message=message)
        room = None
        if not site.is_home:
            room = (room_locked(site, room_id, message=message) if room_id else
                    pick_room(site, size=1, household=old.household if site.pk != old.site_id
                              else "", on=max(on, today()), message=message))
        if site.pk == old.site_id and room == old.room:
            refuse(message, "room", _("the person is already there"))
        check_room(site, room, household=old.household, on=max(on, today()), message=message,
                   excluding=old)
        old.status, old.ended_on = StayStatus.TRANSFERRED, on
        old.save(update_fields=["status", "ended_on"])
        new = Stay.objects.create(
            tenant_id=site.tenant_id, area_id=site.area_id, person=old.person, site=site,
            room=room, kind=old.kind, protocol=old.protocol, start=old.start,
            quarantine_end=old.quarantine_end, planned_end=old.planned_end,
            household=old.household, contact_id=old.contact_id, previous=old,
            placed_by=actor.user if actor.is_authenticated else None)
        StayTest.objects.bulk_create(
            StayTest(tenant_id=new.tenant_id, stay=new, day=t.day, date=t.date, result=t.result,
                     carried=True, recorded_by_id=t.recorded_by_id) for t in old.tests.all())
        _audit(actor, "change", old, status=old.status, to_stay=new.pk)
        _audit(actor, "create", new, site=site.pk, room=room.pk if room else None,
               from_stay=old.pk)
    return new


def _override(actor: Actor, stay: Stay, rule: str, reason: str, *, message: str) -> None:
    """Set a rule aside for this stay: only with Can.OVERRIDE_RULES over its area and a
    written reason; kept as an Override row and audited."""
    reason = (reason or "").strip()
    if not reason:
        refuse(message, "reason", _("an override needs a written reason"))
    require(actor, Can.OVERRIDE_RULES, stay.area, person=stay.person, what="stay")
    Override.objects.create(tenant_id=stay.tenant_id, stay=stay, rule=rule, reason=reason,
                            by=actor.user if actor.is_authenticated else None)
    _audit(actor, "change", stay, override=rule, reason=reason)


def record_test(*, actor: Actor, stay_id: int, on=None, result: str = "",
                override_reason: str = "") -> StayTest:
    """The result of a stay's test on `on` (a second record for the day corrects it). A day
    that is not a test day of the schedule needs an override."""
    message = _("The test was not recorded.")
    capability = acting_as(actor, override_reason)
    with unit_of_work(actor) as uow:
        stay = uow.fetch(access_stay, stay_id, capability)
        if result not in TestResult.values:
            refuse(message, "result", _("%(value)r is not one of %(choices)s")
                   % {"value": result, "choices": ", ".join(TestResult.values)})
        if stay.status != StayStatus.PLACED:
            refuse(message, "status", _("the stay has ended (%(s)s)")
                   % {"s": stay.get_status_display()})
        on = read_day(on, message=message, field="date", default=today())
        rule = rule_of(stay)
        day = rules.day_of(stay.start, on)
        if not 1 <= day <= rule.stay_days:
            refuse(message, "date", _("%(on)s is outside the stay (%(start)s to %(end)s)")
                   % {"on": on, "start": stay.start, "end": stay.planned_end})
        if day not in rule.test_days:
            if capability != Can.OVERRIDE_RULES:
                refuse(message, "date", _("%(on)s is day %(day)d, not a test day of the "
                                          "schedule (days %(days)s)") % {
                    "on": on, "day": day,
                    "days": ", ".join(map(str, rule.test_days)) or "-"})
            _override(actor, stay, "test_day", override_reason, message=message)
        test, created = StayTest.objects.update_or_create(
            stay=stay, day=day, defaults={
                "tenant_id": stay.tenant_id, "date": on, "result": result, "carried": False,
                "recorded_by": actor.user if actor.is_authenticated else None})
        _audit(actor, "change", stay, test_day=day, created=created)
        if result == TestResult.POSITIVE:
            # Tracing subscribes and proposes a case, marked as found under control.
            events.publish(events.PositiveResultsRecorded(actor=actor, results=(
                events.PositiveResultRecorded(
                    actor=actor, person_id=stay.person_id,
                    area_path=stay.person.home_area.path, sampled_on=on,
                    detection_route="quarantine_testing", found_under_control=True,
                    reference=f"stay {stay.pk} day {day}"),)))
    return test


def acting_as(actor: Actor, override_reason: str) -> str:
    """The capability a test or release is done with: overriding (a reason is written, or the
    actor runs no site and can only override), or running the site."""
    if (override_reason or "").strip() or not can(actor, Can.MANAGE_STAYS):
        return Can.OVERRIDE_RULES
    return Can.MANAGE_STAYS


def blocker_text(blocker: rules.Blocker) -> str:
    values = {"day": blocker.day, "on": blocker.on}
    return {
        rules.NOT_LAST_DAY: _("the last day of the stay is day %(day)d (%(on)s)"),
        rules.TEST_MISSING: _("no result for the test of day %(day)d (%(on)s)"),
        rules.TEST_POSITIVE: _("the test of day %(day)d (%(on)s) was positive"),
        rules.TEST_INVALID: _("the test of day %(day)d (%(on)s) was invalid: repeat it"),
    }[blocker.code] % values


def results_by_day(stay: Stay) -> dict[int, str]:
    return dict(stay.tests.values_list("day", "result"))


def release(*, actor: Actor, stay_id: int, on=None, override_reason: str = "") -> Stay:
    """The stay ends and the person goes home: on the last day with every test negative, or
    earlier by a commander's override with a written reason."""
    message = _("The person was not released.")
    capability = acting_as(actor, override_reason)
    with unit_of_work(actor) as uow:
        stay = uow.fetch(access_stay, stay_id, capability)
        if stay.status != StayStatus.PLACED:
            refuse(message, "status", _("the stay has already ended (%(s)s)")
                   % {"s": stay.get_status_display()})
        on = read_day(on, message=message, field="date", default=today())
        if on < stay.start:
            refuse(message, "date", _("%(on)s is before the stay began on %(start)s")
                   % {"on": on, "start": stay.start})
        blockers = rules.release_blockers(rule_of(stay), stay.start, results_by_day(stay), on)
        if blockers:
            if capability != Can.OVERRIDE_RULES:
                raise InvalidInput(message, [FieldError("schedule", blocker_text(b))
                                             for b in blockers])
            _override(actor, stay, "release", override_reason, message=message)
        stay.status, stay.ended_on = StayStatus.RELEASED, on
        stay.save(update_fields=["status", "ended_on"])
        _audit(actor, "change", stay, status=stay.status, ended_on=on.isoformat())
    return stay
