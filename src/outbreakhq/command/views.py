"""Pages of the command centre: dashboards, directives board, situation reports.

Every page reads aggregates (command/figures.py) and directives, never records of people, so
that every role with `aggregate.view` (analysts too) may see them over its scope.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from outbreakhq.command import areamap, report, services
from outbreakhq.command.figures import INCOMPLETE_DAYS, child_rows, figures_for
from outbreakhq.command.models import Directive, DirectiveStatus
from outbreakhq.command.report_jobs import pdf_of, queue_pdf, status_of
from outbreakhq.command.services.directives import may_update
from outbreakhq.command.svg import curve_svg, rt_svg
from outbreakhq.core import hooks
from outbreakhq.core.actor import actor_of
from outbreakhq.core.errors import InvalidInput, NotFound
from outbreakhq.core.models import Area
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can, scope_areas
from outbreakhq.core.scoped import require, require_role
from outbreakhq.epi.rt import UNRELIABLE_BELOW


def _day(request) -> date:
    raw = request.GET.get("date") or ""
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return timezone.localdate()


def _area(request, code: str | None, capability: str = Can.VIEW_AGGREGATES) -> Area | None:
    """The area named in the URL (refused outside the scope), else the scope switcher's, else
    the actor's one area; None when the actor has several and picked none."""
    actor = actor_of(request)
    require_role(actor, capability, what="dashboard")
    if code:
        area = Area.objects.filter(code=code).first()
        if area is None:
            raise NotFound(_("No area has the code %(code)s.") % {"code": code})
        require(actor, capability, area, what="dashboard")
        return area
    if request.scope_area is not None:
        return request.scope_area
    areas = scope_areas(actor, capability)
    return areas[0] if len(areas) == 1 else None


def _choose(request, target: str):
    areas = scope_areas(actor_of(request), Can.VIEW_AGGREGATES)
    return render(request, "command/choose.html", {"areas": areas, "target": target})


@login_required
def dashboard(request, code: str | None = None):
    area = _area(request, code)
    if area is None:
        return _choose(request, "dashboard_area")
    actor, day = actor_of(request), _day(request)
    figures = figures_for(area, day)
    children = child_rows(area, day)
    tiles = [(t, t.context(actor, area)) for t in hooks.TILES if can(actor, t.capability)]
    today = timezone.localdate()
    open_directives = Directive.objects.filter(
        tenant_id=area.tenant_id, area__path__startswith=area.path, status=DirectiveStatus.OPEN)
    return render(request, "command/dashboard.html", {
        "area": area, "day": day, "figures": figures, "children": children,
        "tiles": tiles, "ancestors": list(area.ancestors())[:-1],
        "unreliable_below": UNRELIABLE_BELOW, "incomplete_days": INCOMPLETE_DAYS,
        "chart": {"curve": figures.chart_rows(), "rt": figures.rt_rows(),
                  "onset": figures.onset_rows(),
                  "labels": {"day": _("Day"), "cases": _("New cases"), "route": _("Found by"),
                             "rt": _("Reproduction number"),
                             "incomplete": _("Still incomplete"),
                             "onset": _("New cases by onset date"),
                             "control": _("found under control"),
                             "community": _("found in the community")}},
        "curve_svg": curve_svg(figures), "rt_svg": rt_svg(figures),
        "onset_svg": curve_svg(figures, by_onset=True),
        "graded": any(row["grade"] for row in children),
        "area_map": areamap.dashboard_map(children, day),
        "open_directives": open_directives.count(),
        "overdue_directives": open_directives.filter(deadline__lt=today).count(),
        "may_direct": can(actor, Can.ISSUE_DIRECTIVES, area),
    })


@login_required
def dashboard_data(request, code: str):
    """The charts' data as JSON (the dashboard embeds the same as a data island)."""
    area = _area(request, code)
    figures = figures_for(area, _day(request))
    return JsonResponse({"area": area.code, "day": figures.day.isoformat(),
                         "curve": figures.chart_rows(), "onset": figures.onset_rows(),
                         "rt": figures.rt_rows()})


def _board(request, area: Area, *, problem: str = "", values: dict | None = None,
           status: int = 200):
    actor = actor_of(request)
    today = timezone.localdate()
    rows = list(Directive.objects.visible_to(actor, Can.VIEW_AGGREGATES, within=area)
                .select_related("area", "owner", "issued_by")
                .prefetch_related("updates__author").order_by("status", "deadline", "id")[:200])
    for directive in rows:
        directive.is_overdue = directive.overdue_on(today)
        directive.may_update = may_update(actor, directive)
    return render(request, "command/directives.html", {
        "area": area, "directives": rows, "today": today, "problem": problem,
        "values": values or {}, "may_issue": can(actor, Can.ISSUE_DIRECTIVES, area),
        "statuses": DirectiveStatus.choices,
        "overdue": sum(1 for d in rows if d.is_overdue),
    }, status=status)


@login_required
def directives(request, code: str):
    return _board(request, _area(request, code))


@login_required
@require_POST
def directive_issue(request, code: str):
    area = _area(request, code, Can.ISSUE_DIRECTIVES)
    target = area
    sub = (request.POST.get("area") or "").strip()
    try:
        if sub and sub != area.code:
            target = Area.objects.filter(code=sub, path__startswith=area.path).first()
            if target is None:
                raise InvalidInput(_("Area: %(code)s is not an area of %(area)s")
                                   % {"code": sub, "area": area.display_name(get_language())})
        services.issue_directive(actor=actor_of(request), area=target, data=request.POST)
    except InvalidInput as problem:
        return _board(request, area, problem=str(problem), values=request.POST, status=400)
    return redirect("directives", code=area.code)


@login_required
@require_POST
def directive_update(request, code: str):
    area = _area(request, code)
    raw = (request.POST.get("directive") or "").strip()
    try:
        if not raw.isdigit():
            raise InvalidInput(_("Directive: choose the directive to update"))
        services.post_update(actor=actor_of(request), directive_id=int(raw), data=request.POST)
    except InvalidInput as problem:
        return _board(request, area, problem=str(problem), values=request.POST, status=400)
    return redirect(f"{reverse('directives', kwargs={'code': area.code})}#directive-{raw}")


@login_required
def sitrep(request, code: str):
    area = _area(request, code)
    context = report.context(actor_of(request), area, _day(request))
    return render(request, "command/sitrep_page.html", context)


@login_required
def sitrep_pdf(request, code: str):
    """The PDF is made by the task worker (1-2 s of WeasyPrint: command/py); this
    page follows it and offers the file."""
    area = _area(request, code)
    token = queue_pdf(actor=actor_of(request), area=area, day=_day(request))
    return redirect("sitrep_pdf_job", code=area.code, token=token)


@login_required
def sitrep_pdf_job(request, code: str, token: str):
    area = _area(request, code)
    job = status_of(request.user, token)
    return render(request, "command/sitrep_pdf_job.html",
                  {"area": area, "day": date.fromisoformat(job["day"]), "job": job,
                   "token": token})


@login_required
def sitrep_pdf_file(request, code: str, token: str):
    area = _area(request, code)
    path = pdf_of(request.user, token)
    day = date.fromisoformat(status_of(request.user, token)["day"])
    return FileResponse(path.open("rb"), as_attachment=True,
                        filename=report.file_name(area, day), content_type="application/pdf")


@login_required
@require_POST
def sitrep_commentary(request, code: str):
    area = _area(request, code)
    day = _day(request)
    services.save_commentary(actor=actor_of(request), area=area, day=day,
                             text=request.POST.get("text") or "")
    return redirect(f"{reverse('sitrep', kwargs={'code': area.code})}?date={day.isoformat()}")
