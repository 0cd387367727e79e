"""Risk-area pages for staff: the current list with measures and residents per grade and the
map, an area's grade history, the commander's proposals inbox, the alert inbox. Every write goes
through zones.services; decisions and acknowledgements post the record number in the form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from outbreakhq.core.actor import actor_of
from outbreakhq.core.errors import FieldError, InvalidInput, NotFound
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can, visible_areas
from outbreakhq.core.scoped import require_role
from outbreakhq.core.views import require_capability
from outbreakhq.zones import reads
from outbreakhq.zones.clocks import clocks_on
from outbreakhq.zones.models import Designation, ZoneEvent
from outbreakhq.zones.services import alerts as alert_services
from outbreakhq.zones.services import designations as services


@login_required
def overview(request):
    """Areas per grade in force today within the scope, the measures, residents, the map."""
    require_capability(request, Can.VIEW_AGGREGATES)
    actor, today = actor_of(request), timezone.localdate()
    rows = list(reads.in_force_within(actor, today, request.scope_area).select_related("area")
                .order_by("area__path"))
    residents = reads.residents_per_grade(actor, today, request.scope_area)
    grades = [{**m, "areas": [r for r in rows if r.grade == m["grade"]],
               "residents": residents.get(m["grade"], 0)} for m in reads.measures()]
    roots = reads.scope_roots(actor, Can.VIEW_AGGREGATES, request.scope_area)
    svg = reads.risk_map(roots, {r.area.code: r.grade for r in rows}, href=reads.area_href,
                         title=_("Risk map"))
    return render(request, "zones/overview.html", {
        "today": today, "grades": grades, "map": svg, "designated": rows,
        "may_decide": can(actor, Can.APPROVE_ZONES),
        "may_acknowledge": can(actor, Can.ACKNOWLEDGE_ALERTS)})


@login_required
def area_page(request, code: str):
    """One area: its grade today, where its clock stands, every designation and event."""
    require_capability(request, Can.VIEW_AGGREGATES)
    actor = actor_of(request)
    area = visible_areas(actor).filter(code=code).first()
    if area is None:
        raise NotFound(_("No area with code %(code)s.") % {"code": code})
    today = timezone.localdate()
    state = clocks_on(today, [area.pk]).get(area.pk, (None, 0))[0]
    return render(request, "zones/area.html", {
        "area": area, "trail": list(area.ancestors()), "today": today,
        "grade": services.grade_of(area.path, today), "state": state,
        "history": Designation.objects.visible_to(actor, Can.VIEW_AGGREGATES)
        .filter(area=area).select_related("proposed_by", "decided_by").order_by("-id")[:200],
        "events": ZoneEvent.objects.visible_to(actor, Can.VIEW_AGGREGATES).filter(area=area)
        .order_by("-day", "-id")[:200],
        "may_decide": can(actor, Can.APPROVE_ZONES, area),
        # Record numbers behind the events, for those who may open the records.
        "show_refs": can(actor, Can.VIEW_PERSON, area)})


@login_required
def proposals(request):
    """The commander's inbox: proposals waiting for a decision, oldest first."""
    require_capability(request, Can.APPROVE_ZONES)
    rows = reads.proposals_waiting(actor_of(request), request.scope_area)[:500]
    return render(request, "zones/proposals.html", {"rows": rows})


def _number(request, key: str, message: str) -> int:
    raw = request.POST.get(key, "").strip()
    if not raw.isdigit():
        raise InvalidInput(message, [FieldError(key, _("give the record number"))])
    return int(raw)


@login_required
@require_POST
def decide(request):
    """Approve or reject the proposal named in the form (`designation`, `decision`, `note`)."""
    actor = actor_of(request)
    require_role(actor, Can.APPROVE_ZONES, what="designation")
    message = _("The designation was not changed.")
    decision = request.POST.get("decision")
    number = _number(request, "designation", message)
    if decision not in ("approve", "reject"):
        raise InvalidInput(message, [FieldError("decision", _("approve or reject"))])
    note = request.POST.get("note", "")
    try:
        if decision == "approve":
            row = services.approve(actor=actor, designation_id=number, note=note)
            messages.success(request, _("%(area)s is %(grade)s from %(since)s.") % {
                "area": row.area.display_name(request.LANGUAGE_CODE), "grade": row.grade,
                "since": row.since})
        else:
            row = services.reject(actor=actor, designation_id=number, note=note)
            messages.success(request, _("Proposal %(n)s rejected.") % {"n": row.pk})
    except InvalidInput as exc:
        messages.error(request, str(exc))
    return redirect(request.POST.get("next") if request.POST.get("next", "").startswith("/")
                    else "zones_proposals")


@login_required
@require_POST
def designate(request):
    """A commander's own designation, in force at once (the form on the overview)."""
    data = {k: request.POST.get(k, "") for k in ("area", "grade", "since", "reason")}
    try:
        row = services.designate(actor=actor_of(request), data=data)
    except InvalidInput as exc:
        messages.error(request, str(exc))
        return redirect("zones")
    messages.success(request, _("%(area)s is %(grade)s from %(since)s.") % {
        "area": row.area.display_name(request.LANGUAGE_CODE), "grade": row.grade,
        "since": row.since})
    return redirect("zones_area", code=row.area.code)


@login_required
def alerts(request):
    """Early-warning alerts in the scope: open ones first, then the last acknowledged."""
    require_capability(request, Can.ACKNOWLEDGE_ALERTS)
    actor = actor_of(request)
    open_rows = reads.alerts_open(actor, request.scope_area)[:500]
    done = (reads.Alert.objects.visible_to(actor, Can.ACKNOWLEDGE_ALERTS,
                                           within=request.scope_area)
            .filter(acknowledged_at__isnull=False).select_related("area", "acknowledged_by")
            .order_by("-acknowledged_at")[:50])
    return render(request, "zones/alerts.html", {"open": open_rows, "done": done})


@login_required
@require_POST
def acknowledge(request):
    actor = actor_of(request)
    require_role(actor, Can.ACKNOWLEDGE_ALERTS, what="alert")
    number = _number(request, "alert", _("The alert was not changed."))
    try:
        alert_services.acknowledge(actor=actor, alert_id=number)
        messages.success(request, _("Alert %(n)s acknowledged.") % {"n": number})
    except InvalidInput as exc:
        messages.error(request, str(exc))
    return redirect("zones_alerts")
