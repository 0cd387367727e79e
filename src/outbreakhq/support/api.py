"""The JSON API of residents' support and stranded travellers (/api/v1/support/…)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.utils.translation import gettext
from ninja import Field, Router, Schema, Status

from outbreakhq.core import audit
from outbreakhq.core.actor import actor_of
from outbreakhq.core.errors import NotFound
from outbreakhq.core.models import Area
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import visible_areas
from outbreakhq.core.scoped import require
from outbreakhq.core.views import require_capability
from outbreakhq.support import services, worklists
from outbreakhq.support.models import DepartureBatch, Traveller

router = Router(tags=["support"])


def _within(request, code: str | None, capability: str) -> Area | None:
    if not code:
        return None
    area = visible_areas(actor_of(request)).filter(code=code).first()
    if area is None:
        other = Area.objects.filter(code=code).first()
        if other is None:
            raise NotFound(gettext("No area with code %(code)s.") % {"code": code})
        require(actor_of(request), capability, other)
    return area


class RequestIn(Schema):
    kind: str = Field(description="urgent_care, dialysis, chemotherapy, maternity, "
                                   "chronic_medicine, mental_health, food, other")
    name: str
    area: str = Field(description="Area code (the community)")
    address: str
    phone: str
    text: str = ""
    source: str = Field("community", description="hotline or community")
    person: int | None = Field(None, description="A registered person's record number")
    household_size: int | None = None
    medicine_days_left: int | None = None
    crisis: bool = False
    no_food_left: bool = False
    vulnerable: bool = False


class RequestOut(Schema):
    id: int
    reference: str
    kind: str
    urgency: str
    status: str
    area: str = Field(alias="area.code")
    name: str
    address: str
    phone: str
    text: str
    source: str
    team: int | None = Field(None, alias="team_id")
    deadline: dt.datetime
    escalated_at: dt.datetime | None
    received_at: dt.datetime
    triaged_at: dt.datetime | None
    assigned_at: dt.datetime | None
    started_at: dt.datetime | None
    delivered_at: dt.datetime | None
    closed_at: dt.datetime | None
    close_reason: str


class RequestCreated(Schema):
    request: RequestOut
    code: str = Field(description="The check code for the resident: shown this once only")


class RequestPage(Schema):
    items: list[RequestOut]
    next: str | None = Field(None, description="Pass as `after` for the next page")


class StepIn(Schema):
    to: str = Field(description="triaged, assigned, in_progress, delivered or closed")
    team: int | None = Field(None, description="The team's number (to assigned)")
    reason: str = Field("", description="Why (to closed)")


@router.get("/requests/", response=RequestPage)
def list_requests(request, area: str | None = None, kind: str = "", after: str | None = None,
                  limit: int = 50):
    """Open requests in your scope: most urgent first, then the earliest deadline."""
    require_capability(request, Can.HANDLE_SUPPORT)
    page = worklists.queue(actor=actor_of(request),
                           within=_within(request, area, Can.HANDLE_SUPPORT), after=after,
                           kind=kind, limit=min(max(limit, 1), 500))
    audit.record_shown(actor=actor_of(request), object_type="support_request",
                       records=[r.pk for r in page.rows],
                       people=[(r.person_id, r.tenant_id) for r in page.rows if r.person_id],
                       places=[r.area.path for r in page.rows])
    return {"items": page.rows, "next": page.next_cursor}


@router.post("/requests/", response={201: RequestCreated})
def create_request(request, body: RequestIn):
    """A request taken by the hotline or a community worker; its urgency and deadline follow
    from the kind and the answers."""
    data = body.dict()
    submitted = services.take_request(actor=actor_of(request), data=data)
    return Status(201, {"request": submitted.request, "code": submitted.code})


@router.get("/requests/{request_id}", response=RequestOut)
def get_request(request, request_id: int):
    found = services.access_request(actor_of(request), request_id)
    audit.record(actor=actor_of(request), action="view", object_type="support_request",
                 object_id=found.pk, area=found.area, person=found.person)
    return found


@router.post("/requests/{request_id}/status", response=RequestOut)
def step_request(request, request_id: int, body: StepIn):
    """The next status: no step skipped or undone (400 says which step is next)."""
    return services.advance(actor=actor_of(request), request_id=request_id, to=body.to,
                            team_id=body.team, reason=body.reason)


class TravellerIn(Schema):
    person: int = Field(description="A registered person's record number")
    area: str = Field(description="Code of the area where the traveller stays")
    staying_at: str
    home_destination: str
    since: dt.date | None = None
    contact: str


class TravellerOut(Schema):
    id: int
    person: int = Field(alias="person_id")
    name: str = Field(alias="person.name")
    area: str = Field(alias="area.code")
    staying_at: str
    home_destination: str
    since: dt.date
    contact: str
    status: str
    eligible: bool | None = None
    reasons: list[str] = []


@router.get("/travellers/", response=list[TravellerOut])
def list_travellers(request, area: str | None = None, status: str = "waiting",
                    limit: int = 200):
    """Stranded travellers in your scope, each with whether they may leave now and why not."""
    require_capability(request, Can.MANAGE_TRAVELLERS)
    rows = (Traveller.objects.visible_to(actor_of(request), Can.MANAGE_TRAVELLERS,
                                         within=_within(request, area, Can.MANAGE_TRAVELLERS))
            .select_related("person", "area").order_by("since", "pk"))
    if status:
        rows = rows.filter(status=status)
    rows = services.with_eligibility(rows[:min(max(limit, 1), 1000)])
    audit.record_shown(actor=actor_of(request), object_type="traveller",
                       records=[t.pk for t in rows],
                       people=[(t.person_id, t.tenant_id) for t in rows],
                       places=[t.area.path for t in rows])
    return rows


@router.post("/travellers/", response={201: TravellerOut})
def create_traveller(request, body: TravellerIn):
    traveller = services.register_traveller(actor=actor_of(request), data=body.dict())
    return Status(201, services.with_eligibility([traveller])[0])


@router.get("/travellers/{traveller_id}", response=TravellerOut)
def get_traveller(request, traveller_id: int):
    found = services.access_traveller(actor_of(request), traveller_id)
    audit.record(actor=actor_of(request), action="view", object_type="traveller",
                 object_id=found.pk, area=found.area, person=found.person)
    return services.with_eligibility([found])[0]


class BatchIn(Schema):
    means: str
    destination: str
    date: dt.date
    capacity: int
    area: str = Field(description="Code of the departure area")


class BatchOut(Schema):
    id: int
    means: str
    destination: str
    date: dt.date
    capacity: int
    taken: int = 0
    status: str
    area: str = Field(alias="area.code")


class AssignIn(Schema):
    traveller: int = Field(description="The traveller's number")


@router.get("/batches/", response=list[BatchOut])
def list_batches(request, status: str = ""):
    require_capability(request, Can.MANAGE_TRAVELLERS)
    rows = (DepartureBatch.objects.visible_to(actor_of(request), Can.MANAGE_TRAVELLERS)
            .select_related("area").annotate(taken=Count("assignments"))
            .order_by("-date", "-pk"))
    if status:
        rows = rows.filter(status=status)
    return list(rows[:500])


@router.post("/batches/", response={201: BatchOut})
def create_batch(request, body: BatchIn):
    return Status(201, services.create_batch(actor=actor_of(request), data=body.dict()))


@router.post("/batches/{batch_id}/travellers", response={201: BatchOut})
def assign_traveller(request, batch_id: int, body: AssignIn):
    """Put an eligible traveller on a planned batch with a free seat (400 with the reasons
    otherwise)."""
    services.assign(actor=actor_of(request), batch_id=batch_id, traveller_id=body.traveller)
    batch = (DepartureBatch.objects.select_related("area").annotate(taken=Count("assignments"))
             .get(pk=batch_id))
    return Status(201, batch)
