"""Pages of the quarantine manager: sites with occupancy, a site's day, the awaiting list with
placement, a person's stay with its schedule and tests, release. Thin: read the request, call a
service, render. Records are reached by the person's number (a person is in one stay at a
time), so every page's URL names a record the access table's walk can probe."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from outbreakhq import protocols
from outbreakhq.core.actor import actor_of
from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.core.models import Area
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can
from outbreakhq.core.scoped import access_person, not_for_your_role, refused
from outbreakhq.core.views import require_capability
from outbreakhq.quarantine import placement, rules, services, worklists
from outbreakhq.quarantine.models import (
    KIND_LABELS,
    BreachKind,
    CohortKind,
    SiteKind,
    Stay,
    StayStatus,
    TestResult,
)
from outbreakhq.quarantine.services import switch as switching
from outbreakhq.quarantine.services.stays import acting_as

ROOMS_SHOWN = 100  # rooms with free beds listed on a site's page


def _flash_errors(request, exc: InvalidInput) -> None:
    messages.error(request, "; ".join([str(exc.message)] + [str(e) for e in exc.errors]))


def _post_rooms(request, site_id: str) -> None:
    numbers = [n for n in request.POST.get("numbers", "").replace(",", " ").split() if n]
    try:
        beds = int(request.POST.get("beds") or 0)
    except ValueError:
        beds = 0
    services.add_rooms(actor=actor_of(request), site_id=int(site_id),
                       building=request.POST.get("building", ""),
                       floor=request.POST.get("floor", ""), numbers=numbers, beds=beds)


@login_required
def site_list(request):
    require_capability(request, Can.MANAGE_STAYS)
    actor = actor_of(request)
    if request.method == "POST":
        try:
            area = Area.objects.filter(code=request.POST.get("area", "").strip()).first()
            if area is None:
                raise InvalidInput(_("The site was not created."), [])
            services.create_site(actor=actor, area=area, name=request.POST.get("name", ""),
                                 kind=request.POST.get("kind", ""),
                                 shared_rooms=bool(request.POST.get("shared_rooms")))
            messages.success(request, _("Site created."))
        except InvalidInput as exc:
            _flash_errors(request, exc)
        return redirect("quarantine_sites")
    today = timezone.localdate()
    sites = worklists.sites_with_occupancy(actor, today)
    return render(request, "quarantine/sites.html", {
        "sites": sites, "today": today, "kinds": SiteKind.choices,
        "forecast": worklists.forecast(actor, today, sites=sites),
        "may_switch": can(actor, switching.SWITCH_CAPABILITY)})


@login_required
def site_page(request):
    """One site's day (`?id=N`), or every site's in scope without `id`."""
    require_capability(request, Can.MANAGE_STAYS)
    actor = actor_of(request)
    site = None
    site_id = request.GET.get("id") or request.POST.get("id") or ""
    if site_id.isdigit():
        site = services.access_site(actor, int(site_id))
    if request.method == "POST" and site is not None:
        try:
            _post_rooms(request, site_id)
            messages.success(request, _("Rooms added."))
        except InvalidInput as exc:
            _flash_errors(request, exc)
        return redirect(f"{reverse('quarantine_site')}?id={site.pk}")
    today = timezone.localdate()
    return render(request, "quarantine/site.html", {
        "site": site, "today": today, "day": worklists.site_day(actor, site, today),
        "rooms": list(worklists.free_rooms(site, today)[:ROOMS_SHOWN]) if site else [],
        "rooms_free": worklists.free_rooms(site, today).count() if site else 0,
        "occupancy": (worklists.sites_with_occupancy(actor, today, site=site)[0]
                      if site else None)})


def _sites_and_rooms(actor, today) -> list:
    """The sites of the placement forms, each with its free beds (rooms are picked by number
    or automatically: a 40,000-bed site's rooms do not fit in a list)."""
    return worklists.sites_with_occupancy(actor, today)


def _reading_as(request) -> str:
    """The capability a person's page and the awaiting list are read with
    (worklists.reading_capability); neither: the refusal of MANAGE_STAYS."""
    capability = worklists.reading_capability(actor_of(request))
    if capability is None:
        require_capability(request, Can.MANAGE_STAYS)
    return capability


def _override_context(actor, capability: str) -> dict:
    """What the forms offer: a reason field to holders of OVERRIDE_RULES, required of those
    who only override (every write of theirs sets a rule aside or needs none)."""
    return {"may_override": can(actor, Can.OVERRIDE_RULES),
            "reason_required": capability == Can.OVERRIDE_RULES,
            "manages": capability == Can.MANAGE_STAYS}


@login_required
def awaiting_list(request):
    capability = _reading_as(request)
    actor = actor_of(request)
    today = timezone.localdate()
    return render(request, "quarantine/awaiting.html", {
        "rows": list(worklists.awaiting(actor, capability)[:500]), "today": today,
        "choices": worklists.sites_with_occupancy(actor, today, capability),
        "kinds": list(KIND_LABELS.items()), **_override_context(actor, capability)})


@login_required
@require_POST
def place_person(request, pk: int):
    """Place the person (and the other people ticked with them, as one household). A
    commander's written reason places into the named room over its capacity or with
    unrelated people (the service decides and records the override)."""
    _reading_as(request)
    actor = actor_of(request)
    # The ticked people (the URL's person when none is ticked: the API and a one-person form).
    ids = list(dict.fromkeys(int(v) for v in request.POST.getlist("person") if v.isdigit()))
    ids = ids or [pk]
    try:
        stays = services.place_household(
            actor=actor, person_ids=ids, site_id=request.POST.get("site"),
            room_number=request.POST.get("room", ""), kind=request.POST.get("kind", ""),
            household=request.POST.get("household", ""),
            override_reason=request.POST.get("reason", ""))
    except InvalidInput as exc:
        _flash_errors(request, exc)
        return redirect("quarantine_awaiting")
    messages.success(request, _("Placed: %(names)s.")
                     % {"names": ", ".join(s.person.name for s in stays)})
    return redirect("quarantine_awaiting")


@login_required
def bulk_placement(request):
    """Assign everyone awaiting to free beds in or near their area: a preview, then apply."""
    require_capability(request, Can.MANAGE_STAYS)
    actor = actor_of(request)
    plan = placement.plan_for(actor, timezone.localdate())
    if request.method == "POST" and request.POST.get("confirm"):
        placed, failed = placement.apply(actor, plan)
        messages.success(request, _("%(n)d people placed.") % {"n": placed})
        for line in failed:
            messages.error(request, line)
        return redirect("quarantine_awaiting")
    shown = sum(len(g.person_ids) for g in plan)
    waiting = worklists.awaiting(actor).count() if shown >= placement.PREVIEW_LIMIT else shown
    return render(request, "quarantine/bulk.html", {"plan": plan, "shown": shown,
                                                    "waiting": waiting})


def _stay_context(actor, stay: Stay) -> dict:
    rule = services.rule_of(stay)
    results = dict(stay.tests.values_list("day", "result"))
    today = timezone.localdate()
    days = [{"row": d, "today": d.date == today,
             "result": TestResult(results[d.day]).label if d.day in results else None}
            for d in rules.schedule(rule, stay.start)]
    blockers = [services.blocker_text(b)
                for b in rules.release_blockers(rule, stay.start, results, today)]
    return {"stay": stay, "days": days, "blockers": blockers, "today": today}


@login_required
def person_page(request, pk: int):
    capability = _reading_as(request)
    actor = actor_of(request)
    person = access_person(actor, pk, capability)
    stays = list(worklists.stays_of(actor, capability).filter(person=person).order_by("-pk"))
    current = next((s for s in stays if s.status == StayStatus.PLACED), None)
    today = timezone.localdate()
    manages = capability == Can.MANAGE_STAYS
    context = {"person": person, "stays": stays, "current": current,
               **_override_context(actor, capability),
               "choices": _sites_and_rooms(actor, today) if current and manages else []}
    if current is not None:
        context.update(_stay_context(actor, current))
    return render(request, "quarantine/person.html", context)


def _open_stay(request, pk: int, capability: str) -> Stay:
    """The person's placed stay the actor may act on, for the POST forms of its page."""
    actor = actor_of(request)
    if not any(can(actor, c) for c in {Can.MANAGE_STAYS, capability}):
        refused(actor, capability, what="stay", object_id=pk)
        raise not_for_your_role(capability)
    stay = (Stay.objects.visible_to(actor, capability).filter(person_id=pk,
                                                             status=StayStatus.PLACED).first())
    if stay is None:
        raise InvalidInput(_("Person %(n)s is in no stay that you may act on.") % {"n": pk})
    return stay


def _capability(request) -> str:
    return acting_as(actor_of(request), request.POST.get("reason", ""))


def _back(pk: int):
    return redirect("quarantine_person", pk=pk)


@login_required
@require_POST
def record_test(request, pk: int):
    stay = _open_stay(request, pk, _capability(request))
    try:
        services.record_test(actor=actor_of(request), stay_id=stay.pk,
                             on=request.POST.get("date") or None,
                             result=request.POST.get("result", ""),
                             override_reason=request.POST.get("reason", ""))
        messages.success(request, _("Test recorded."))
    except InvalidInput as exc:
        _flash_errors(request, exc)
    return _back(pk)


@login_required
@require_POST
def release(request, pk: int):
    stay = _open_stay(request, pk, _capability(request))
    try:
        services.release(actor=actor_of(request), stay_id=stay.pk,
                         override_reason=request.POST.get("reason", ""))
        messages.success(request, _("Released."))
    except InvalidInput as exc:
        _flash_errors(request, exc)
    return _back(pk)


@login_required
@require_POST
def transfer(request, pk: int):
    stay = _open_stay(request, pk, Can.MANAGE_STAYS)
    try:
        services.transfer(actor=actor_of(request), stay_id=stay.pk,
                          site_id=request.POST.get("site"),
                          room_number=request.POST.get("room", ""))
        messages.success(request, _("Transferred."))
    except InvalidInput as exc:
        _flash_errors(request, exc)
    return _back(pk)


# The preset switch -----------------------------------------------------------------------

SWITCH_SHOWN = 500  # stays listed in a switch's preview


def _switch_day(raw: str) -> date:
    """The switch's date: any day to preview (a future one too); applying refuses the future
    (services/switch.py)."""
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput(_("No switch."), [FieldError(
            "on", _("%(value)r is not a date (YYYY-MM-DD)") % {"value": raw})]) from None


@login_required
def switch_page(request):
    """A change of preset from a date (services/switch.py): choose the preset and the date
    (`?to=&on=`), see each running stay's old and new last day and who is released on that
    date because of the change, then apply it, confirmed (POST). A commander's."""
    require_capability(request, switching.SWITCH_CAPABILITY)
    actor = actor_of(request)
    data = request.POST if request.method == "POST" else request.GET
    to, raw_on = data.get("to", ""), data.get("on", "")
    today = timezone.localdate()
    if request.method == "POST":
        try:
            if not request.POST.get("confirm"):
                raise InvalidInput(_("No switch."), [FieldError(
                    "confirm", _("tick the box to confirm the change"))])
            on = _switch_day(raw_on)
            done, released = switching.apply_switch(actor=actor, to=to, on=on)
            messages.success(request, ngettext(
                "%(done)d stays now follow %(to)s; %(released)d person released.",
                "%(done)d stays now follow %(to)s; %(released)d people released.", released)
                % {"done": done, "to": to, "released": released})
            return redirect("quarantine_switch")
        except InvalidInput as exc:
            _flash_errors(request, exc)
            query = urlencode({"to": to, "on": raw_on})
            return redirect(f"{reverse('quarantine_switch')}?{query}")
    rows, on = None, None
    if to and raw_on:
        try:
            on = _switch_day(raw_on)
            rows = switching.switch_preview(actor=actor, to=to, on=on)
        except InvalidInput as exc:
            _flash_errors(request, exc)
    current = protocols.current().meta.name
    return render(request, "quarantine/switch.html", {
        "presets": protocols.available(), "to": to or current, "current": current,
        "on": on or today, "previewed": rows is not None,
        "rows": (rows or [])[:SWITCH_SHOWN], "count": len(rows or []),
        "released": sum(1 for r in rows or [] if r.outcome.released_today),
        "may_apply": on is not None and on <= today})


# Closed-loop staff cohorts ------------------------------------------------------------------

@login_required
def staff_page(request):
    """The actor's cohorts (a form for a new one), today's untested members (`?site=N`: of one
    quarantine site's cohorts), the newest breaches."""
    require_capability(request, Can.MANAGE_STAYS)
    actor = actor_of(request)
    if request.method == "POST":
        try:
            area = Area.objects.filter(code=request.POST.get("area", "").strip()).first()
            if area is None:
                raise InvalidInput(_("The staff cohort was not created."),
                                   [FieldError("area", _("no area with that code"))])
            services.create_cohort(actor=actor, area=area, kind=request.POST.get("kind", ""),
                                   name=request.POST.get("name", ""),
                                   site_id=request.POST.get("site"),
                                   place=request.POST.get("place", ""))
            messages.success(request, _("Staff cohort created."))
        except InvalidInput as exc:
            _flash_errors(request, exc)
        return redirect("quarantine_staff")
    today = timezone.localdate()
    site_id = request.GET.get("site", "")
    site = services.access_site(actor, int(site_id)) if site_id.isdigit() else None
    return render(request, "quarantine/staff.html", {
        "cohorts": list(worklists.cohorts_of(actor)[:500]), "site": site, "today": today,
        "untested": worklists.untested_today(actor, today, site=site),
        "breaches": worklists.breaches_of(actor), "kinds": CohortKind.choices,
        "breach_kinds": BreachKind.choices, "results": TestResult.choices,
        "sites": list(worklists.sites_with_occupancy(actor, today))})


@login_required
def cohort_page(request):
    """One cohort (`?id=N`): its members in the loop, who is untested today, forms to add a
    member, type a test in and record a breach. Without `id`: every cohort's members."""
    require_capability(request, Can.MANAGE_STAYS)
    actor = actor_of(request)
    cohort_id = request.GET.get("id", "")
    cohort = services.access_cohort(actor, int(cohort_id)) if cohort_id.isdigit() else None
    today = timezone.localdate()
    members = worklists.members_of(actor, cohort=cohort)
    untested = {row.member.pk for row in worklists.untested_today(actor, today, cohort=cohort)}
    return render(request, "quarantine/cohort.html", {
        "cohort": cohort, "members": members, "untested": untested, "today": today,
        "breach_kinds": BreachKind.choices, "results": TestResult.choices})


def _back_to_cohort(request):
    cohort = request.POST.get("cohort", "")
    return redirect(f"{reverse('quarantine_cohort')}?id={cohort}" if cohort.isdigit()
                    else reverse('quarantine_staff'))


def _member_id(request) -> int:
    raw = request.POST.get("member", "")
    if not raw.isdigit():
        raise InvalidInput(_("Nothing was recorded."),
                           [FieldError("member", _("pick a cohort member"))])
    return int(raw)


@login_required
@require_POST
def cohort_member(request):
    """Add a registered person (by record number) to a cohort."""
    require_capability(request, Can.MANAGE_STAYS)
    try:
        person = request.POST.get("person", "").strip().lstrip("#")
        cohort = request.POST.get("cohort", "")
        if not (person.isdigit() and cohort.isdigit()):
            raise InvalidInput(_("The person was not added to the cohort."),
                               [FieldError("person", _("a person's record number"))])
        member = services.add_member(actor=actor_of(request), cohort_id=int(cohort),
                                     person_id=int(person),
                                     joined_on=request.POST.get("joined_on") or None)
        messages.success(request, _("%(name)s joined the cohort.") % {"name": member.person.name})
    except InvalidInput as exc:
        _flash_errors(request, exc)
    return _back_to_cohort(request)


@login_required
@require_POST
def staff_test(request):
    require_capability(request, Can.MANAGE_STAYS)
    try:
        services.record_staff_test(actor=actor_of(request), member_id=_member_id(request),
                                   result=request.POST.get("result", ""),
                                   on=request.POST.get("date") or None)
        messages.success(request, _("Test recorded."))
    except InvalidInput as exc:
        _flash_errors(request, exc)
    return _back_to_cohort(request)


@login_required
@require_POST
def breach(request):
    require_capability(request, Can.MANAGE_STAYS)
    try:
        services.record_breach(actor=actor_of(request), member_id=_member_id(request),
                               kind=request.POST.get("kind", ""),
                               what=request.POST.get("what", ""),
                               occurred_at=request.POST.get("occurred_at") or None)
        messages.success(request, _("Breach recorded."))
    except InvalidInput as exc:
        _flash_errors(request, exc)
    return _back_to_cohort(request)
