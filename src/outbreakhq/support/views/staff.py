"""Staff pages of residents' support: the queue, a request, teams, medical passes, and the
escalated list of command."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from outbreakhq.core import audit
from outbreakhq.core.actor import actor_of
from outbreakhq.core.errors import InvalidInput
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can, visible_areas
from outbreakhq.core.views import require_capability
from outbreakhq.support import rules, services, worklists
from outbreakhq.support.models import Kind, Source, Status, SupportTeam, TeamKind, Urgency
from outbreakhq.support.views.public import FIELDS, steps_of

CHOICE_LIMIT = 500  # beyond, the form asks for the area code instead of listing


def area_choices(request, capability: str, levels=("community",)) -> list | None:
    """The areas of the user's scope a form offers (communities by default), or None when there
    are too many to list (the form then takes a code)."""
    rows = list(visible_areas(actor_of(request), within=request.scope_area)
                .filter(level__in=levels).select_related("parent")
                .order_by("path")[:CHOICE_LIMIT + 1])
    rows = [a for a in rows if can(actor_of(request), capability, a)]
    return None if len(rows) > CHOICE_LIMIT else rows


def _errors(exc: InvalidInput) -> dict:
    errors = {e.field: e.message for e in exc.errors}
    errors["all"] = [str(e) for e in exc.errors] or [str(exc.message)]
    errors["problem"] = exc.message
    return errors


@login_required
def support_queue(request):
    require_capability(request, Can.HANDLE_SUPPORT)
    kind = request.GET.get("kind", "") if request.GET.get("kind", "") in Kind.values else ""
    page = worklists.queue(actor=actor_of(request), within=request.scope_area,
                           after=request.GET.get("after"), kind=kind)
    audit.record_shown(actor=actor_of(request), object_type="support_request",
                       records=[r.pk for r in page.rows],
                       people=[(r.person_id, r.tenant_id) for r in page.rows if r.person_id],
                       places=[r.area.path for r in page.rows], area=request.scope_area)
    return render(request, "support/queue.html", {"page": page, "kinds": Kind.choices,
                                                  "kind": kind,
                                                  "first_page": not request.GET.get("after")})


@login_required
def support_request_new(request):
    require_capability(request, Can.HANDLE_SUPPORT)
    context = {"kinds": Kind.choices, "sources": [(Source.HOTLINE, Source.HOTLINE.label),
                                                  (Source.COMMUNITY, Source.COMMUNITY.label)],
               "values": {}, "errors": {}, "areas": area_choices(request, Can.HANDLE_SUPPORT)}
    if request.method == "POST":
        data = {k: request.POST.get(k, "").strip() for k in (*FIELDS, "source", "person")}
        try:
            submitted = services.take_request(actor=actor_of(request), data=data)
        except InvalidInput as exc:
            return render(request, "support/request_new.html",
                          {**context, "values": data, "errors": _errors(exc)}, status=400)
        messages.success(request, _("Request %(ref)s saved. Give the resident the check code "
                                    "%(code)s to follow it (shown only now).") % {
            "ref": submitted.request.reference, "code": submitted.code})
        return redirect("support_request", request_id=submitted.request.pk)
    return render(request, "support/request_new.html", context)


def _request_context(request, req, **extra) -> dict:
    actor = actor_of(request)
    teams = SupportTeam.objects.visible_to(actor, Can.HANDLE_SUPPORT).filter(
        tenant_id=req.tenant_id, active=True).order_by("kind", "name")
    serving = [t for t in teams if t.area.contains(req.area) or any(
        a.contains(req.area) for a in t.areas.all())]
    now = timezone.now()
    return {"req": req, "steps": steps_of(req), "next": rules.next_steps(req.status),
            "teams": serving or list(teams), "Status": Status,
            "overdue": req.status in (Status.RECEIVED, Status.TRIAGED) and req.deadline < now,
            "passes": list(req.passes.select_related("issued_by").order_by("-issued_at")),
            "may_pass": req.is_open and (req.kind in rules.MEDICAL
                                         or req.kind == Kind.CHRONIC_MEDICINE),
            "errors": {}, "Urgency": Urgency, **extra}


@login_required
def support_request(request, request_id: int):
    req = services.access_request(actor_of(request), request_id)
    audit.record(actor=actor_of(request), action="view", object_type="support_request",
                 object_id=req.pk, area=req.area, person=req.person)
    return render(request, "support/request.html", _request_context(request, req))


@login_required
@require_POST
def support_request_step(request, request_id: int):
    team = request.POST.get("team", "").strip()
    try:
        services.advance(actor=actor_of(request), request_id=request_id,
                         to=request.POST.get("to", ""),
                         team_id=int(team) if team.isdigit() else None,
                         reason=request.POST.get("reason", ""))
    except InvalidInput as exc:
        req = services.access_request(actor_of(request), request_id)
        return render(request, "support/request.html",
                      _request_context(request, req, errors=_errors(exc)), status=400)
    return redirect("support_request", request_id=request_id)


@login_required
@require_POST
def support_pass_issue(request, request_id: int):
    try:
        medical_pass = services.issue_pass(actor=actor_of(request), request_id=request_id,
                                           data=request.POST)
    except InvalidInput as exc:
        req = services.access_request(actor_of(request), request_id)
        return render(request, "support/request.html",
                      _request_context(request, req, errors=_errors(exc)), status=400)
    return redirect("support_pass", medical_pass=medical_pass.pk)


@login_required
def support_pass(request, medical_pass: int):
    found = services.access_pass(actor_of(request), medical_pass)
    audit.record(actor=actor_of(request), action="view", object_type="medical_pass",
                 object_id=found.pk, area=found.area, person=found.person)
    return render(request, "support/pass.html", {"pass": found})


@login_required
def support_teams(request):
    require_capability(request, Can.HANDLE_SUPPORT)
    actor = actor_of(request)
    errors, values = {}, {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in ("name", "kind", "area", "phone")}
        try:
            services.create_team(actor=actor, data=values)
        except InvalidInput as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("Team %(name)s saved.") % {"name": values["name"]})
            return redirect("support_teams")
    teams = (SupportTeam.objects.visible_to(actor, Can.HANDLE_SUPPORT, within=request.scope_area)
             .select_related("area").order_by("kind", "name"))
    return render(request, "support/teams.html", {"teams": teams, "kinds": TeamKind.choices,
                                                  "areas": area_choices(request, Can.HANDLE_SUPPORT,
                                                                        ("township", "community")),
                                                  "errors": errors, "values": values},
                  status=400 if errors else 200)


@login_required
def support_escalated(request):
    """Command's list of requests whose deadline passed before anyone took them on."""
    actor = actor_of(request)
    capability = worklists.command_capability(actor)
    if capability is None:
        require_capability(request, Can.ISSUE_DIRECTIVES)
        raise PermissionDenied
    services.escalate_overdue()
    rows = worklists.escalated(actor=actor, capability=capability, within=request.scope_area)
    audit.record_shown(actor=actor, object_type="support_request", records=[r.pk for r in rows],
                       people=[(r.person_id, r.tenant_id) for r in rows if r.person_id],
                       places=[r.area.path for r in rows], area=request.scope_area)
    return render(request, "support/escalated.html", {
        "rows": rows, "now": timezone.now(),
        "may_handle": can(actor, Can.HANDLE_SUPPORT)})
