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
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can
from outbreakhq.core.scoped import not_for_your_role, refused
from outbreakhq.core.views import require_capability
from outbreakhq.quarantine import rules, services, worklists
from outbreakhq.quarantine.models import Stay, StayStatus
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
        household=body.household)
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
