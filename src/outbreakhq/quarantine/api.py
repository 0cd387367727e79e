"""The quarantine API (mounted at /api/v1/quarantine): sites with occupancy, stays, the
awaiting list, a schedule, and placement, tests, release and transfer of a person's stay.
A person is in one stay at a time, so the writes name the person."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from outbreakhq import protocols
from outbreakhq.core.actor import actor_of
from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.core.models import Area
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can
from outbreakhq.core.scoped import not_for_your_role, refused
from outbreakhq.core.views import require_capability
from outbreakhq.quarantine import rules, services, worklists
from outbreakhq.quarantine.models import Stay, StayStatus
from outbreakhq.quarantine.services import switch as switching
from outbreakhq.quarantine.services.stays import acting_as

router = Router(tags=["quarantine"])


class SiteOut(Schema):
    id: int
    name: str
    kind: str
    area: str = Field(alias="area.code")
    shared_rooms: bool
    beds: int = Field(description="Beds in the site's rooms")
    in_rooms: int = Field(description="Placed, not released, holding a bed today")
    in_stay: int = Field(description="Placed and not released (home-monitoring days included)")


class StayOut(Schema):
    id: int
    person: int = Field(alias="person_id")
    site: int = Field(alias="site_id")
    room: int | None = Field(None, alias="room_id")
    kind: str
    protocol: str
    start: dt.date
    quarantine_end: dt.date
    planned_end: dt.date
    status: str
    ended_on: dt.date | None
    household: str


class AwaitingOut(Schema):
    id: int
    person: int = Field(alias="person_id")
    contact: int | None = Field(None, alias="contact_id")
    kind: str
    household: str


class DayOut(Schema):
    day: int
    date: dt.date
    phase: str
    test: bool


class PlaceIn(Schema):
    site_id: int
    room_id: int | None = None
    kind: str = "close_contact"
    start: dt.date | None = Field(None, description="Default: today")
    household: str = ""
    with_people: list[int] = Field(default_factory=list,
                                   description="Others placed with the person, as a household")
    override_reason: str = Field("", description="Commanders: place in `room_id` over its "
                                                 "capacity or with unrelated people")


class TestIn(Schema):
    result: str = Field(description="negative, positive or invalid")
    date: dt.date | None = Field(None, description="Default: today")
    override_reason: str = Field("", description="Commanders: a day off the schedule")


class ReleaseIn(Schema):
    date: dt.date | None = Field(None, description="Default: today")
    override_reason: str = Field("", description="Commanders: release before the schedule "
                                                 "is complete and negative")


class TransferIn(Schema):
    site_id: int
    room_id: int | None = None
    date: dt.date | None = None


class TestOut(Schema):
    stay: int = Field(alias="stay_id")
    day: int
    date: dt.date
    result: str


@router.get("/sites", response=list[SiteOut])
def list_sites(request):
    """Your sites with occupancy counted from stays (never a stored counter)."""
    require_capability(request, Can.MANAGE_STAYS)
    return worklists.sites_with_occupancy(actor_of(request), timezone.localdate())


@router.get("/stays", response=list[StayOut])
def list_stays(request, site: int | None = None, status: str = "placed", limit: int = 200):
    """Stays of your sites, newest first (`status`: placed, released, transferred)."""
    require_capability(request, Can.MANAGE_STAYS)
    rows = worklists.stays_of(actor_of(request)).filter(status=status)
    if site is not None:
        rows = rows.filter(site_id=site)
    return list(rows.order_by("-pk")[: min(max(limit, 1), 1000)])


class RoomFreeOut(Schema):
    id: int
    number: str
    beds: int
    free: int


class DayWorkOut(Schema):
    date: dt.date
    arrivals: list[StayOut] = Field(description="Placed today")
    releases_due: list[StayOut] = Field(description="Last day reached, not released")
    tests_due: list[StayOut] = Field(description="A test day today with no result")
    tests_overdue: list[StayOut] = Field(description="A past test day with no result")
    rooms_free: list[RoomFreeOut] = Field(description="With `site`: its rooms with free beds")


class ForecastOut(Schema):
    date: dt.date
    held: int = Field(description="Beds held that day by placed stays")
    awaiting: int = Field(description="People awaiting placement, as if placed today")
    beds: int
    short: int


@router.get("/day", response=DayWorkOut)
def day_work(request, site: int | None = None, limit: int = 200):
    """Today's work in your sites (or one `site`): arrivals, releases due, tests due and
    overdue, and, for one site, the rooms with free beds (up to `limit` rows a list)."""
    require_capability(request, Can.MANAGE_STAYS)
    actor, today = actor_of(request), timezone.localdate()
    one = services.access_site(actor, site) if site is not None else None
    limit = min(max(limit, 1), 1000)
    day = worklists.site_day(actor, one, today, limit=limit)
    rooms = list(worklists.free_rooms(one, today)[:limit]) if one is not None else []
    return {"date": today, "arrivals": day.arrivals, "releases_due": day.releases_due,
            "tests_due": day.tests_due, "tests_overdue": day.tests_overdue,
            "rooms_free": [{"id": r.pk, "number": r.number, "beds": r.beds, "free": r.free}
                           for r in rooms]}


@router.get("/forecast", response=list[ForecastOut])
def capacity_forecast(request, days: int = 7):
    """Beds needed in your sites on each of the next `days` days (at most 28)."""
    require_capability(request, Can.MANAGE_STAYS)
    return worklists.forecast(actor_of(request), timezone.localdate(), min(max(days, 1), 28))


class SwitchOut(Schema):
    stay: int
    person: int
    site: int
    start: dt.date
    old_end: dt.date
    new_end: dt.date
    released_on_switch: bool = Field(description="Released on `on` because of the change "
                                                  "(complete and negative under the new rules)")


@router.get("/switch", response=list[SwitchOut])
def switch_preview(request, to: str, on: dt.date):
    """Preview of moving to preset `to` from `on`: each running stay of your sites with its
    old and new last day and whether it is released on that date because of the change.
    Nothing is written (the switch page or `outbreakhq quarantine switch --apply` writes it).
    A commander's (Can.OVERRIDE_RULES)."""
    require_capability(request, switching.SWITCH_CAPABILITY)
    return [{"stay": r.stay.pk, "person": r.stay.person_id, "site": r.stay.site_id,
             "start": r.stay.start, "old_end": r.outcome.old_end, "new_end": r.outcome.new_end,
             "released_on_switch": r.outcome.released_today}
            for r in switching.switch_preview(actor=actor_of(request), to=to, on=on)]


@router.get("/awaiting", response=list[AwaitingOut])
def list_awaiting(request):
    """People handed over to quarantine who have no place yet."""
    require_capability(request, Can.MANAGE_STAYS)
    return list(worklists.awaiting(actor_of(request))[:1000])


@router.get("/schedule", response=list[DayOut])
def get_schedule(request, kind: str, start: dt.date):
    """The schedule of a stay of `kind` starting on `start` under the deployment's preset."""
    require_capability(request, Can.MANAGE_STAYS)
    if kind not in protocols.PERSON_CATEGORIES:
        raise InvalidInput(_("No schedule."), [FieldError("kind", _("%(kind)r is not one of "
                                                                    "%(kinds)s") % {
            "kind": kind, "kinds": ", ".join(protocols.PERSON_CATEGORIES)})])
    return [d.as_dict() for d in rules.schedule(protocols.current().rule_for(kind), start)]


@router.get("/people/{person_id}/stays", response=list[StayOut])
def list_person_stays(request, person_id: int):
    """A person's stays in your sites, newest first."""
    require_capability(request, Can.MANAGE_STAYS)
    return list(worklists.stays_of(actor_of(request)).filter(person_id=person_id)
                .order_by("-pk"))


@router.post("/people/{person_id}/place", response={201: list[StayOut]})
def place_person(request, person_id: int, body: PlaceIn):
    """Place the person (with `with_people`, as one household) in a site and room."""
    stays = services.place_household(
        actor=actor_of(request), person_ids=[person_id, *body.with_people],
        site_id=body.site_id, room_id=body.room_id, kind=body.kind, start=body.start,
        household=body.household, override_reason=body.override_reason)
    return Status(201, stays)


def _open_stay(request, person_id: int, capability: str) -> Stay:
    actor = actor_of(request)
    if not any(can(actor, c) for c in {Can.MANAGE_STAYS, capability}):
        refused(actor, capability, what="stay", object_id=person_id)
        raise not_for_your_role(capability)
    stay = Stay.objects.visible_to(actor, capability).filter(
        person_id=person_id, status=StayStatus.PLACED).first()
    if stay is None:
        raise InvalidInput(_("Person %(n)s is in no stay that you may act on.")
                           % {"n": person_id})
    return stay


def _cap(request, reason: str) -> str:
    return acting_as(actor_of(request), reason)


@router.post("/people/{person_id}/tests", response={201: TestOut})
def record_test(request, person_id: int, body: TestIn):
    """The result of a test day of the person's stay (a positive proposes a case)."""
    stay = _open_stay(request, person_id, _cap(request, body.override_reason))
    return Status(201, services.record_test(
        actor=actor_of(request), stay_id=stay.pk, on=body.date, result=body.result,
        override_reason=body.override_reason))


@router.post("/people/{person_id}/release", response=StayOut)
def release_person(request, person_id: int, body: ReleaseIn):
    """End the person's stay: blocked until the schedule is complete and negative."""
    stay = _open_stay(request, person_id, _cap(request, body.override_reason))
    return services.release(actor=actor_of(request), stay_id=stay.pk, on=body.date,
                            override_reason=body.override_reason)


@router.post("/people/{person_id}/transfer", response={201: StayOut})
def transfer_person(request, person_id: int, body: TransferIn):
    """Move the person to another site or room; the schedule and results go with them."""
    stay = _open_stay(request, person_id, Can.MANAGE_STAYS)
    return Status(201, services.transfer(actor=actor_of(request), stay_id=stay.pk,
                                         site_id=body.site_id, room_id=body.room_id,
                                         on=body.date))


# Closed-loop staff cohorts ------------------------------------------------------------------

class CohortOut(Schema):
    id: int
    name: str
    kind: str
    area: str = Field(alias="area.code")
    site: int | None = Field(None, alias="site_id")
    place: str = Field(alias="place_label")
    in_loop: int = Field(description="Members still in the closed loop")


class CohortIn(Schema):
    name: str
    kind: str = Field(description="quarantine_site, lab, transport or risk_area")
    area: str = Field(description="Area code of the cohort")
    site_id: int | None = Field(None, description="For quarantine-site staff")
    place: str = Field("", description="The lab, transport hub or risk area (other kinds)")


class MemberIn(Schema):
    cohort_id: int
    person_id: int
    joined_on: dt.date | None = Field(None, description="Default: today")


class MemberOut(Schema):
    id: int
    cohort: int = Field(alias="cohort_id")
    person: int = Field(alias="person_id")
    joined_on: dt.date
    left_on: dt.date | None


class UntestedOut(Schema):
    member: int = Field(alias="member.pk")
    person: int = Field(alias="member.person_id")
    person_name: str = Field(alias="member.person.name")
    cohort: int = Field(alias="member.cohort_id")
    every_days: int = Field(description="The protocol's days between tests for the cohort kind")
    last_test: dt.date | None


class StaffTestIn(Schema):
    member_id: int
    result: str = Field(description="negative, positive or invalid")
    date: dt.date | None = Field(None, description="Default: today")


class StaffTestOut(Schema):
    id: int
    member: int = Field(alias="member_id")
    date: dt.date
    result: str


class BreachIn(Schema):
    member_id: int
    kind: str = Field(description="left_loop, missed_test or exposure")
    what: str
    occurred_at: dt.datetime | None = Field(None, description="Default: now")


class BreachOut(Schema):
    id: int
    member: int = Field(alias="member_id")
    kind: str
    occurred_at: dt.datetime
    what: str


@router.get("/staff/cohorts", response=list[CohortOut])
def list_cohorts(request):
    """Your closed-loop staff cohorts with how many members are in the loop."""
    require_capability(request, Can.MANAGE_STAYS)
    return list(worklists.cohorts_of(actor_of(request))[:1000])


@router.post("/staff/cohorts", response={201: CohortOut})
def create_cohort(request, body: CohortIn):
    """A cohort of front-line staff: its kind decides how often its members are tested."""
    require_capability(request, Can.MANAGE_STAYS)
    area = Area.objects.filter(code=body.area.strip()).first()
    if area is None:
        raise InvalidInput(_("The staff cohort was not created."),
                           [FieldError("area", _("no area with that code"))])
    cohort = services.create_cohort(actor=actor_of(request), area=area, kind=body.kind,
                                    name=body.name, site_id=body.site_id, place=body.place)
    cohort.in_loop = 0
    return Status(201, cohort)


@router.post("/staff/members", response={201: MemberOut})
def add_member(request, body: MemberIn):
    """Put a registered person in a cohort."""
    return Status(201, services.add_member(actor=actor_of(request), cohort_id=body.cohort_id,
                                           person_id=body.person_id, joined_on=body.joined_on))


@router.get("/staff/untested", response=list[UntestedOut])
def untested(request, site: int | None = None):
    """Members in the loop who have no test recent enough today (`site`: of that quarantine
    site's cohorts); tests typed in and screening results count."""
    require_capability(request, Can.MANAGE_STAYS)
    actor = actor_of(request)
    found = services.access_site(actor, site) if site is not None else None
    return worklists.untested_today(actor, timezone.localdate(), site=found)


@router.post("/staff/tests", response={201: StaffTestOut})
def record_staff_test(request, body: StaffTestIn):
    """A cohort member's test of a day (a second result that day corrects the first)."""
    return Status(201, services.record_staff_test(actor=actor_of(request),
                                                  member_id=body.member_id,
                                                  result=body.result, on=body.date))


@router.post("/staff/breaches", response={201: BreachOut})
def record_breach(request, body: BreachIn):
    """A break of the closed loop: who, when, what (leaving it ends the membership)."""
    return Status(201, services.record_breach(actor=actor_of(request), member_id=body.member_id,
                                              kind=body.kind, what=body.what,
                                              occurred_at=body.occurred_at))
