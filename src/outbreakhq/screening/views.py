"""Screening pages: plan rounds, collect at a site (phone first), ship boxes, the lab's bench
(barcodes only), recalls, a round's coverage and turnaround, printable code sheets."""

from __future__ import annotations

from datetime import date

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from outbreakhq import protocols
from outbreakhq.core.actor import actor_of
from outbreakhq.core.errors import InvalidInput
from outbreakhq.core.models import Area, Person
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can
from outbreakhq.core.views import require_capability
from outbreakhq.epi import pooling
from outbreakhq.screening import services, worklists
from outbreakhq.screening.models import (
    BoxStatus,
    Campaign,
    Result,
    Round,
    RoundKind,
    Tube,
    TubeStatus,
)


def _problems(exc: InvalidInput) -> list[str]:
    return [str(e) for e in exc.errors] or [str(exc.message)]


def _number(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


@login_required
def rounds(request):
    """Campaigns, rounds and collection sites: the planner's page."""
    require_capability(request, Can.PLAN_SCREENING)
    actor, problems, status = actor_of(request), [], 200
    if request.method == "POST":
        what = request.POST.get("what", "")
        try:
            if what == "campaign":
                services.create_campaign(actor=actor, name=request.POST.get("name", ""),
                                         area_code=request.POST.get("area", ""))
            elif what == "round":
                campaign = Campaign.objects.visible_to(actor, Can.PLAN_SCREENING).filter(
                    pk=_number(request.POST.get("campaign")) or 0).first()
                if campaign is None:
                    raise InvalidInput(_("The round was not saved."), [])
                services.create_round(actor=actor, campaign=campaign,
                                      day=date.fromisoformat(request.POST.get("day", "")),
                                      kind=request.POST.get("kind", RoundKind.COMMUNITY),
                                      area_code=request.POST.get("area") or None)
            elif what == "site":
                services.create_site(actor=actor, name=request.POST.get("name", ""),
                                     area_code=request.POST.get("area", ""),
                                     capacity_per_hour=_number(request.POST.get("capacity")) or 0,
                                     home_visits=request.POST.get("home_visits") == "1")
            elif what == "lab":
                services.create_lab(actor=actor, name=request.POST.get("name", ""),
                                    area_code=request.POST.get("area", ""))
            else:
                raise InvalidInput(_("Nothing was saved: pick what to add."), [])
            messages.success(request, _("Saved."))
            return redirect("screening_rounds")
        except (InvalidInput, ValueError) as exc:
            problems = _problems(exc) if isinstance(exc, InvalidInput) else [
                _("day: a date such as 2022-04-04")]
            status = 400
    return render(request, "screening/rounds.html", {
        "rounds": worklists.rounds_for(actor, Can.PLAN_SCREENING),
        "campaigns": Campaign.objects.visible_to(actor, Can.PLAN_SCREENING).order_by("-id")[:50],
        "sites": worklists.sites_for(actor, Can.PLAN_SCREENING), "kinds": RoundKind.choices,
        "labs": worklists.labs_for(actor, Can.PLAN_SCREENING),
        "problems": problems, "today": timezone.localdate()}, status=status)


def _round_of(request, capability: str) -> Round | None:
    actor = actor_of(request)
    chosen = _number(request.GET.get("round") or request.POST.get("round"))
    mine = worklists.rounds_for(actor, capability)
    return next((r for r in mine if r.pk == chosen), None) or (mine[0] if mine else None)


@login_required
def round_page(request):
    """A round: coverage (registered vs sampled, the missing by compound), turnaround per site,
    tube results, and the pooling advisor from the prevalence seen in recent rounds."""
    actor = actor_of(request)
    if not (can(actor, Can.PLAN_SCREENING) or can(actor, Can.VIEW_PERSON)):
        require_capability(request, Can.PLAN_SCREENING)
    need = Can.PLAN_SCREENING if can(actor, Can.PLAN_SCREENING) else Can.VIEW_PERSON
    round_ = _round_of(request, need)
    context = {"round": round_, "rounds": worklists.rounds_for(actor, need), "problems": [],
               "may_plan": can(actor, Can.PLAN_SCREENING)}
    if request.method == "POST" and round_ is not None and request.POST.get("close"):
        services.close_round(actor=actor, round_id=round_.pk)
        messages.success(request, _("The round is closed."))
        return redirect(f"{request.path}?round={round_.pk}")
    if request.method == "POST" and round_ is not None:
        try:
            services.exempt_person(actor=actor, round_id=round_.pk,
                                   person_id=_number(request.POST.get("person")) or 0,
                                   reason=request.POST.get("reason", ""))
            messages.success(request, _("Exempted from this round."))
            return redirect(f"{request.path}?round={round_.pk}")
        except InvalidInput as exc:
            context["problems"] = _problems(exc)
    if round_ is not None:
        context["coverage"] = worklists.coverage(actor, round_) if can(
            actor, Can.VIEW_PERSON) else None
        context["turnaround"] = worklists.turnaround(actor, need, round_id=round_.pk)
        context["turnaround_labs"] = worklists.turnaround(actor, need, round_id=round_.pk,
                                                          by="lab")
        context["advice"] = advice(round_)
        context["hourly"] = worklists.hourly(actor, need, round_.day)
        context["now_rows"] = worklists.by_site_and_lab(actor, need, round_.day,
                                                        round_id=round_.pk)
    return render(request, "screening/round.html", context)


def advice(round_: Round) -> dict:
    """The pooling advisor: prevalence among people sampled in the last rounds of this area
    (positive individual results over people sampled), the designs within the largest
    validated pool."""
    screening = protocols.current().screening
    recent = Round.objects.filter(area__path__startswith=round_.area.path,
                                  day__lte=round_.day).order_by("-day")[:7]
    tubes = Tube.objects.filter(round__in=list(recent), status=TubeStatus.RESULTED)
    people = sum(tubes.filter(retest=False).values_list("members_count", flat=True))
    positives = tubes.filter(result=Result.POSITIVE).filter(members_count=1).count() + \
        tubes.filter(result=Result.POSITIVE, retest=True).count()
    # Too little seen: assume one in ten thousand, the floor of the advisor.
    prevalence = max(positives / people, 0.0001) if people else 0.0005
    prevalence = min(prevalence, 0.5)
    return {"prevalence": prevalence, "people": people, "positives": positives,
            "max_pool": screening.max_pool_size,
            "designs": pooling.designs(prevalence, screening.max_pool_size)}


@login_required
def collect(request):
    """The collection page: pick the site and the round, scan a tube's barcode, then each
    person's code or identity number; seal. The page's script (static/screening.js) keeps a
    queue in the browser and sends each sealed tube to the API, again when back online."""
    require_capability(request, Can.COLLECT_SAMPLES)
    actor, problems, status = actor_of(request), [], 200
    sites = worklists.sites_for(actor)
    open_rounds = [r for r in worklists.rounds_for(actor, Can.COLLECT_SAMPLES) if not r.closed]
    if request.method == "POST":
        members = [m for m in request.POST.get("members", "").split() if m]
        try:
            done = services.submit_tube(
                actor=actor, barcode=request.POST.get("barcode", ""), members=members,
                site_id=request.POST.get("site"), round_id=request.POST.get("round"),
                retest=request.POST.get("retest") == "1")
            messages.success(request, _("Tube %(code)s sealed with %(n)d people.") % {
                "code": done.tube.barcode, "n": done.tube.members_count})
            return redirect(f"{request.path}?site={done.tube.site_id}&round={done.tube.round_id}")
        except InvalidInput as exc:
            problems, status = _problems(exc), 400
    site_id = _number(request.POST.get("site") or request.GET.get("site"))
    round_id = _number(request.POST.get("round") or request.GET.get("round"))
    round_ = next((r for r in open_rounds if r.pk == round_id), None) or (
        open_rounds[0] if open_rounds else None)
    return render(request, "screening/collect.html", {
        "sites": sites, "rounds": open_rounds, "round": round_,
        "site": next((s for s in sites if s.pk == site_id), sites[0] if sites else None),
        "capacity": services.capacity_of(round_) if round_ else None,
        "open_tubes": worklists.open_tubes(actor), "problems": problems,
        "values": request.POST}, status=status)


@login_required
def ship(request):
    """Sealed tubes of the site go into a transport box, which is handed over."""
    require_capability(request, Can.COLLECT_SAMPLES)
    actor, problems, status = actor_of(request), [], 200
    if request.method == "POST":
        try:
            box = services.ship_box(actor=actor, site_id=request.POST.get("site"),
                                    box_code=request.POST.get("box", ""),
                                    barcodes=request.POST.getlist("tubes"))
            messages.success(request, _("Box %(code)s shipped.") % {"code": box.code})
            return redirect("screening_ship")
        except InvalidInput as exc:
            problems, status = _problems(exc), 400
    tubes = worklists.open_tubes(actor)
    by_site: dict = {}
    for tube in tubes:
        by_site.setdefault(tube.site, []).append(tube)
    return render(request, "screening/ship.html", {
        "by_site": list(by_site.items()), "problems": problems,
        "shipped": worklists.boxes(actor, Can.COLLECT_SAMPLES, BoxStatus.SHIPPED)},
        status=status)


@login_required
def lab(request):
    """The lab's bench: receive a box, enter results per tube or in bulk. Barcodes only."""
    require_capability(request, Can.RECORD_RESULTS)
    actor, problems, status = actor_of(request), [], 200
    if request.method == "POST":
        try:
            if request.POST.get("what") == "receive":
                box = services.receive_box(actor=actor, box_code=request.POST.get("box", ""),
                                           lab_id=request.POST.get("lab") or None)
                messages.success(request, _("Box %(code)s received.") % {"code": box.code})
            elif request.POST.get("what") == "report":
                reported = services.report_results(actor=actor,
                                                   barcodes=request.POST.getlist("report"))
                messages.success(request, ngettext(
                    "%(n)d result reported.", "%(n)d results reported.",
                    reported.reported) % {"n": reported.reported})
            else:
                done = services.record_results(actor=actor, rows=_posted_results(request))
                messages.success(request, _(
                    "%(n)d results saved (%(p)d reported at once); %(r)d people recalled for a "
                    "retest.") % {"n": done.resulted, "p": done.reported, "r": done.recalls})
            return redirect("screening_lab")
        except InvalidInput as exc:
            problems, status = _problems(exc), 400
    protocol = protocols.current()
    hours = protocol.alerts.sample_overdue_hours
    report_hours = protocol.screening.turnaround_hours.result_to_report
    return render(request, "screening/lab.html", {
        "in_transit": worklists.boxes(actor, Can.RECORD_RESULTS, BoxStatus.SHIPPED),
        "waiting": worklists.waiting_tubes(actor), "results": Result.choices,
        "unreported": worklists.unreported_tubes(actor),
        "overdue": worklists.overdue(actor, Can.RECORD_RESULTS, hours, timezone.now(),
                                     report_hours=report_hours),
        "overdue_hours": hours, "report_hours": report_hours, "problems": problems,
        "turnaround": worklists.turnaround(actor, Can.RECORD_RESULTS),
        "turnaround_labs": worklists.turnaround(actor, Can.RECORD_RESULTS, by="lab"),
        "labs": worklists.labs_for(actor, Can.RECORD_RESULTS),
        "hourly": worklists.hourly(actor, Can.RECORD_RESULTS, timezone.localdate()),
        "now_rows": worklists.by_site_and_lab(actor, Can.RECORD_RESULTS, timezone.localdate())},
        status=status)


def _posted_results(request) -> list[dict]:
    rows = []
    bulk = request.POST.get("bulk", "").strip()
    if bulk:
        for line in bulk.splitlines():
            parts = [p.strip() for p in line.replace(";", ",").replace("\t", ",").split(",")]
            if parts and parts[0] and parts[0].lower() != "barcode":
                rows.append({"barcode": parts[0], "result": parts[1] if len(parts) > 1 else "",
                             "ct": parts[2] if len(parts) > 2 else ""})
    for barcode in request.POST.getlist("tube"):
        result = request.POST.get(f"result-{barcode}", "")
        if result:
            rows.append({"barcode": barcode, "result": result,
                         "ct": request.POST.get(f"ct-{barcode}", "")})
    return rows


@login_required
def recalls(request):
    """People to call back for an individual sample, with their screening codes."""
    require_capability(request, Can.VIEW_PERSON)
    actor = actor_of(request)
    rows = worklists.recall_list(actor, round_id=_number(request.GET.get("round")),
                                 status=request.GET.get("status", ""))
    return render(request, "screening/recalls.html", {
        "recalls": [(r, services.code_of(r.person_id)) for r in rows],
        "status": request.GET.get("status", "")})


@login_required
def codes(request):
    """A printable A4 sheet of personal screening codes (QR) for a compound or a household
    (`area=` compound code, `address=` optional), for people without phones."""
    require_capability(request, Can.VIEW_PERSON)
    actor = actor_of(request)
    code = request.GET.get("area", "").strip()
    address = request.GET.get("address", "").strip()
    area = Area.objects.filter(code=code).first() if code else None
    people = []
    if area is not None:
        rows = Person.objects.visible_to(actor, Can.VIEW_PERSON).filter(home_area=area)
        if address:
            rows = rows.filter(address=address)
        people = [(p, services.code_of(p.pk), _qr(services.code_of(p.pk)))
                  for p in rows.order_by("address", "name")[:400]]
    return render(request, "screening/codes.html", {"area": area, "code": code,
                                                    "address": address, "people": people})


def _qr(text: str) -> str:
    """An inline SVG QR code (segno; no style attribute, so the CSP allows it)."""
    svg = segno.make(text, error="m").svg_inline(scale=4, border=2)
    return mark_safe(svg)  # noqa: S308 - segno's own SVG of a code we made
