"""API routers for cases, contacts, follow-ups and chains: the same services, scope and audit as
the pages. Lists page with a cursor (`next` of one answer is `after` of the next request)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext
from ninja import Field, Router, Schema, Status

from outbreakhq.core.actor import actor_of
from outbreakhq.core.api import PersonIn
from outbreakhq.core.errors import NotFound
from outbreakhq.core.models import Area
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import visible_areas
from outbreakhq.core.scoped import require
from outbreakhq.core.views import require_capability
from outbreakhq.tracing import services, worklists
from outbreakhq.tracing.fields import today

cases_router = Router(tags=["cases"])


class CaseFields(Schema):
    classification: str = Field(description="suspected, confirmed, asymptomatic, discarded")
    detection_route: str = Field(description="community_screening, controlled_screening, "
                                 "quarantine_testing, clinic, contact_tracing, inbound")
    report_date: dt.date
    onset_date: dt.date | None = None
    sampling_date: dt.date | None = None
    severity: str = "mild"
    outcome: str = "active"
    outcome_date: dt.date | None = None
    notes: str = ""
    external_id: str = ""


class CaseIn(CaseFields):
    person: int | None = Field(None, description="Record number of a registered person")
    new_person: PersonIn | None = Field(None, description="Or a person to register")
    source_case: int | None = Field(None, description="Number of the infecting case")
    cluster: int | None = None


class CasePatch(Schema):
    classification: str | None = None
    detection_route: str | None = None
    report_date: dt.date | None = None
    onset_date: dt.date | None = None
    sampling_date: dt.date | None = None
    severity: str | None = None
    outcome: str | None = None
    outcome_date: dt.date | None = None
    source_case: int | None = None
    cluster: int | None = None
    notes: str | None = None
    external_id: str | None = None


class _PersonRecordOut(Schema):
    """What a case and a contact both show first: the record, its person and its area."""
    id: int
    person: int = Field(alias="person_id")
    person_name: str = Field(alias="person.name")
    area: str = Field(alias="area.code")


class CaseOut(_PersonRecordOut):
    classification: str
    detection_route: str
    report_date: dt.date
    onset_date: dt.date | None
    sampling_date: dt.date | None
    severity: str
    outcome: str
    outcome_date: dt.date | None
    source_case: int | None = Field(alias="source_case_id")
    cluster: int | None = Field(alias="cluster_id")
    under_control_when_found: bool
    external_id: str
    notes: str
    updated_at: dt.datetime


class CasePage(Schema):
    items: list[CaseOut]
    next: str | None = Field(None, description="Pass as `after` for the next page")


class SourceIn(Schema):
    source_case: int | None = Field(description="Number of the infecting case; null: unknown")


class MoveIn(Schema):
    area: str = Field(description="Code of the area the case moves to (same jurisdiction tree, "
                      "in your scope)")
    reason: str = Field(description="Why the case moves (required; kept in the audit trail)")


class VisitIn(Schema):
    area: str = Field(description="Area code")
    place: str
    date_from: dt.date
    date_to: dt.date | None = None
    hours: int | None = Field(None, ge=0, description="How long the case stayed, when known")
    notes: str = ""


class VisitOut(Schema):
    id: int
    area: str = Field(alias="area.code")
    place: str
    date_from: dt.date
    date_to: dt.date
    hours: int | None
    notes: str


class ExposureIn(Schema):
    setting: str = Field(description="household, work, same_building, transport, health_care, "
                         "other")
    date: dt.date | None = None
    description: str = ""


class ExposureOut(ExposureIn):
    id: int


class ContactIn(Schema):
    person: int | None = Field(None, description="Record number of a registered person")
    new_person: PersonIn | None = Field(None, description="Or a person to register")
    contact_type: str = Field(description="household, work, same_building, transport, "
                              "health_care, other")
    last_exposure: dt.date
    tracer: str = Field("", description="User name of the tracer (default: you)")
    team: int | None = None
    external_id: str = ""


class ContactOut(_PersonRecordOut):
    category: str
    contact_type: str
    source_case: int | None = Field(alias="source_case_id")
    source_contact: int | None = Field(alias="source_contact_id")
    last_exposure: dt.date
    followup_start: dt.date
    followup_end: dt.date
    last_followup: dt.date | None
    status: str
    tracer: str | None = Field(None, alias="tracer.username")
    team: int | None = Field(alias="team_id")
    converted_case: int | None = Field(alias="converted_case_id")
    external_id: str
    test_days: list[dt.date] = Field(
        description="The preset's test days for the contact's category, day 1 the first day "
                    "of follow-up (the schedule quarantine runs)")
    test_due_today: bool

    @staticmethod
    def resolve_test_days(contact) -> list[dt.date]:
        return services.test_dates(contact)

    @staticmethod
    def resolve_test_due_today(contact) -> bool:
        return services.test_due(contact, today())


def within(request, code: str | None) -> Area | None:
    """The area named by `area=CODE`, refused (audited) outside the user's scope."""
    if not code:
        return None
    area = visible_areas(actor_of(request)).filter(code=code).first()
    if area is None:
        other = Area.objects.filter(code=code).first()
        if other is None:
            raise NotFound(gettext("No area with code %(code)s.") % {"code": code})
        require(actor_of(request), Can.VIEW_PERSON, other)
    return area


def body_of(payload: Schema, *exclude: str) -> dict:
    return payload.dict(exclude={"person", "new_person", *exclude})


# Cases -----------------------------------------------------------------------------------

@cases_router.get("/", response=CasePage)
def list_cases(request, area: str | None = None, q: str = "", classification: str = "",
               route: str = "", from_date: dt.date | None = None,
               to_date: dt.date | None = None, no_source: bool = False,
               after: str | None = None, limit: int = 50):
    """Cases in your scope, newest report first (filters as on the case list page)."""
    require_capability(request, Can.VIEW_PERSON)
    filters = {"q": q, "classification": classification, "route": route,
               "from": from_date.isoformat() if from_date else "",
               "to": to_date.isoformat() if to_date else "", "no_source": no_source}
    page = worklists.case_list(actor=actor_of(request), within=within(request, area),
                               filters=filters,
                               after=after, limit=min(max(limit, 1), 500))
    return {"items": page.rows, "next": page.next_cursor}


@cases_router.post("/", response={201: CaseOut})
def create_case(request, payload: CaseIn):
    """Open a case of a registered person, or of a new person registered at once. Roles that
    only propose cases (`case.propose` without `case.manage`) open suspected cases without a
    source case or cluster."""
    new = payload.new_person.dict() if payload.new_person else None
    case = services.open_case(actor=actor_of(request), data=body_of(payload),
                              person_id=payload.person,
                              new_person=new)
    return Status(201, case)


@cases_router.get("/{case_id}", response=CaseOut)
def get_case(request, case_id: int):
    """One case (audited as a view)."""
    return services.view_case(actor=actor_of(request), case_id=case_id)


@cases_router.patch("/{case_id}", response=CaseOut)
def update_case(request, case_id: int, payload: CasePatch):
    """Change some fields of a case; a new source case is refused if it makes a cycle."""
    return services.update_case(actor=actor_of(request), case_id=case_id,
                                changes=payload.dict(exclude_unset=True))


@cases_router.put("/{case_id}/source", response=CaseOut)
def link_source(request, case_id: int, payload: SourceIn):
    """Set (or clear) who infected the case."""
    return services.link_source(actor=actor_of(request), case_id=case_id,
                                source_case_id=payload.source_case)


@cases_router.post("/{case_id}/move", response=CaseOut)
def move_case(request, case_id: int, payload: MoveIn):
    """Move a case reported in the wrong area to another area of your scope, with a reason; the
    daily figures of both areas (and their parents) follow."""
    return services.move_case(actor=actor_of(request), case_id=case_id, area_code=payload.area,
                              reason=payload.reason)


@cases_router.get("/{case_id}/visits", response=list[VisitOut])
def list_visits(request, case_id: int):
    """Places the case visited in the infectious period (audited as a view of the case)."""
    case = services.view_case(actor=actor_of(request), case_id=case_id)
    return list(case.visits.select_related("area"))


@cases_router.post("/{case_id}/visits", response={201: VisitOut})
def record_visit(request, case_id: int, payload: VisitIn):
    """Record a place the case visited (not after the report date)."""
    visit = services.record_visit(actor=actor_of(request), case_id=case_id, data=payload.dict())
    return Status(201, visit)


@cases_router.post("/{case_id}/exposures", response={201: ExposureOut})
def record_exposure(request, case_id: int, payload: ExposureIn):
    """Record how and when the case was probably infected."""
    exposure = services.record_exposure(actor=actor_of(request), case_id=case_id,
                                        data=payload.dict())
    return Status(201, exposure)


@cases_router.post("/{case_id}/contacts", response={201: ContactOut})
def add_contact(request, case_id: int, payload: ContactIn):
    """Add a close contact; the follow-up window comes from the protocol in force."""
    new = payload.new_person.dict() if payload.new_person else None
    contact = services.add_contact(actor=actor_of(request), case_id=case_id, data=body_of(payload),
                                   person_id=payload.person, new_person=new)
    return Status(201, contact)
