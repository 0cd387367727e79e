"""The risk-area API: designations in force, an area's grade history, the commander's proposals
(approve, reject) and the early-warning alert inbox (acknowledge). Mounted under /api/v1/zones/
(apps.py); every operation is declared in apps.py's access rules.

The same reads and services as the pages (zones/reads.py, zones/services/): no second write
path. Area names and grades only, never a person: an event's record number stays on the pages
of those who may open the record. A record or area outside the caller's scope answers exactly
like one that does not exist (404)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from outbreakhq.core.actor import Actor, actor_of
from outbreakhq.core.errors import FieldError, InvalidInput, NotFound
from outbreakhq.core.grades import grade_label
from outbreakhq.core.models import Area
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import visible_areas
from outbreakhq.core.scoped import require_role
from outbreakhq.zones import reads, reasons
from outbreakhq.zones.clocks import clock_rules, clocks_on
from outbreakhq.zones.models import Alert, Designation
from outbreakhq.zones.services import alerts as alert_services
from outbreakhq.zones.services import designations as services

router = Router(tags=["risk areas"])

MAX_PAGE = 500
ALERT_STATUSES = ("open", "acknowledged", "all")


class DesignationOut(Schema):
    id: int
    area: str = Field(description="Area code")
    area_name: str = Field(description="The area's name in the request's language")
    grade: str = Field(description="Grade code of the preset (high, medium, low …)")
    grade_label: str
    since: dt.date
    until: dt.date | None
    status: str = Field(description="proposed, approved, rejected or superseded")
    reason: str = Field(description="Why, in the request's language (a regrade's reason) or "
                        "the commander's own words (a designation made by hand)")
    note: str
    proposed_at: dt.datetime
    decided_at: dt.datetime | None
    decided_by: str | None = Field(description="User name; null when automatic or undecided")

    @staticmethod
    def resolve_area(row: Designation) -> str:
        return row.area.code

    @staticmethod
    def resolve_area_name(row: Designation) -> str:
        return row.area.display_name(get_language())

    @staticmethod
    def resolve_grade_label(row: Designation) -> str:
        return str(grade_label(row.grade))

    @staticmethod
    def resolve_reason(row: Designation) -> str:
        return reasons.of(row)

    @staticmethod
    def resolve_decided_by(row: Designation) -> str | None:
        return row.decided_by.get_username() if row.decided_by_id else None


class DesignationPage(Schema):
    items: list[DesignationOut]
    next: int | None = Field(None, description="Pass as `after` for the next page")


class ClockOut(Schema):
    """Where the area's clock stands today (the area page's figures)."""

    grade: str | None = Field(description="The grade the clock asks for")
    case_free_day: int
    days_required: int = Field(description="0: the lowest grade, nothing to count")
    round_needed: bool = Field(description="A complete negative all-resident round is needed")
    next_grade: str | None
    next_step: dt.date | None = Field(description="The next grade at the earliest")
    earliest_lift: dt.date | None = Field(description="The lowest grade at the earliest")


class AreaGradesOut(Schema):
    area: str
    area_name: str
    parents: list[str] = Field(description="Codes of the areas above, from the root down")
    day: dt.date
    grade: str | None = Field(description="In force on `day` (the area's own or the nearest "
                              "designated area above it); null: not graded")
    clock: ClockOut | None
    designations: list[DesignationOut] = Field(description="Newest first (at most 200)")


class DecisionIn(Schema):
    note: str = Field("", max_length=300, description="Kept with the decision")


class AlertOut(Schema):
    id: int
    area: str
    area_name: str
    kind: str = Field(description="Alert code (positive_without_cases, unknown_source …)")
    kind_label: str
    day: dt.date
    created_at: dt.datetime
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None

    @staticmethod
    def resolve_area(row: Alert) -> str:
        return row.area.code

    @staticmethod
    def resolve_area_name(row: Alert) -> str:
        return row.area.display_name(get_language())

    @staticmethod
    def resolve_kind_label(row: Alert) -> str:
        return str(row.get_kind_display())

    @staticmethod
    def resolve_acknowledged_by(row: Alert) -> str | None:
        return row.acknowledged_by.get_username() if row.acknowledged_by_id else None


class AlertPage(Schema):
    items: list[AlertOut]
    next: int | None = Field(None, description="Pass as `after` for the next page")


def _within(actor: Actor, code: str | None) -> Area | None:
    """The area named by `area=CODE`, or 404 alike for an unknown code and one outside the
    caller's areas (area names are not personal, but the answer must not depend on scope)."""
    if not code:
        return None
    area = visible_areas(actor).filter(code=code.strip()).first()
    if area is None:
        raise NotFound(_("No area with code %(code)s.") % {"code": code})
    return area


def _page(rows, after: int | None, limit: int, *, newest_first: bool = False) -> dict:
    """One keyset page of `rows` by record number."""
    limit = min(max(limit, 1), MAX_PAGE)
    if after is not None:
        rows = rows.filter(pk__lt=after) if newest_first else rows.filter(pk__gt=after)
    items = list(rows.order_by("-pk" if newest_first else "pk")[:limit + 1])
    more = len(items) > limit
    items = items[:limit]
    return {"items": items, "next": items[-1].pk if more else None}


@router.get("/designations/", response=DesignationPage)
def list_designations(request, grade: str = "", area: str | None = None,
                      day: dt.date | None = None, after: int | None = None, limit: int = 100):
    """Designations in force on `day` (default today) in your scope, by number; `grade` and
    `area` (a code: that area and the areas under it) narrow the list."""
    actor = actor_of(request)
    require_role(actor, Can.VIEW_AGGREGATES, what="designation")
    rows = reads.in_force_within(actor, day or timezone.localdate(), _within(actor, area))
    if grade:
        grades = clock_rules().grades
        if grade.strip() not in grades:
            raise InvalidInput(_("The request is not valid."), [FieldError(
                "grade", _("%(grade)s is not one of %(grades)s")
                % {"grade": grade, "grades": ", ".join(grades)})])
        rows = rows.filter(grade=grade.strip())
    return _page(rows.select_related("area", "decided_by"), after, limit)


@router.get("/areas/{code}", response=AreaGradesOut)
def get_area_grades(request, code: str):
    """One area's grade today, where its clock stands and its designations, newest first."""
    actor = actor_of(request)
    require_role(actor, Can.VIEW_AGGREGATES, what="designation")
    area = _within(actor, code)
    today = timezone.localdate()
    state = clocks_on(today, [area.pk]).get(area.pk, (None, 0))[0]
    history = (Designation.objects.visible_to(actor, Can.VIEW_AGGREGATES).filter(area=area)
               .select_related("area", "decided_by").order_by("-id")[:200])
    return {"area": area.code, "area_name": area.display_name(get_language()),
            "parents": [a.code for a in area.ancestors() if a.pk != area.pk], "day": today,
            "grade": services.grade_of(area.path, today), "clock": state,
            "designations": list(history)}


@router.get("/proposals/", response=DesignationPage)
def list_proposals(request, area: str | None = None, after: int | None = None,
                   limit: int = 100):
    """Proposals waiting for a decision in your scope, oldest first (by number)."""
    actor = actor_of(request)
    require_role(actor, Can.APPROVE_ZONES, what="designation")
    rows = reads.proposals_waiting(actor, _within(actor, area)).select_related("decided_by")
    return _page(rows, after, limit)


@router.post("/proposals/{designation_id}/approve", response=DesignationOut)
def approve_proposal(request, designation_id: int, payload: DecisionIn):
    """Put a waiting proposal in force. A proposal that is no longer waiting, or stale (new
    events arrived for its area since it was made: regrade and decide the new one), is
    refused (400) and nothing changes."""
    row = services.approve(actor=actor_of(request), designation_id=designation_id,
                           note=payload.note)
    return _reloaded(row)


@router.post("/proposals/{designation_id}/reject", response=DesignationOut)
def reject_proposal(request, designation_id: int, payload: DecisionIn):
    """Turn a waiting proposal down; the regrading will not propose it again."""
    row = services.reject(actor=actor_of(request), designation_id=designation_id,
                          note=payload.note)
    return _reloaded(row)


@router.get("/alerts/", response=AlertPage)
def list_alerts(request, area: str | None = None, status: str = "open",
                after: int | None = None, limit: int = 100):
    """Early-warning alerts in your scope, newest first; `status`: open (default),
    acknowledged or all."""
    actor = actor_of(request)
    require_role(actor, Can.ACKNOWLEDGE_ALERTS, what="alert")
    if status not in ALERT_STATUSES:
        raise InvalidInput(_("The request is not valid."), [FieldError(
            "status", _("%(value)s is not one of %(values)s")
            % {"value": status, "values": ", ".join(ALERT_STATUSES)})])
    rows = Alert.objects.visible_to(actor, Can.ACKNOWLEDGE_ALERTS, within=_within(actor, area))
    if status == "open":
        rows = rows.filter(acknowledged_at__isnull=True)
    elif status == "acknowledged":
        rows = rows.filter(acknowledged_at__isnull=False)
    return _page(rows.select_related("area", "acknowledged_by"), after, limit,
                 newest_first=True)


@router.post("/alerts/{alert_id}/acknowledge", response=AlertOut)
def acknowledge_alert(request, alert_id: int):
    """Mark an alert as seen and handled (once: a second time is refused, 400)."""
    alert = alert_services.acknowledge(actor=actor_of(request), alert_id=alert_id)
    return Alert.objects.select_related("area", "acknowledged_by").get(pk=alert.pk)


def _reloaded(row: Designation) -> Designation:
    return Designation.objects.select_related("area", "decided_by").get(pk=row.pk)
