"""Pages of the quarantine manager: sites with occupancy, a site's day, the awaiting list with
placement, a person's stay with its schedule and tests, release. Thin: read the request, call a
service, render. Records are reached by the person's number (a person is in one stay at a
time), so every page's URL names a record the access table's walk can probe."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from outbreakhq.core.actor import actor_of
from outbreakhq.core.errors import InvalidInput
from outbreakhq.core.models import Area
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can
from outbreakhq.core.scoped import access_person, not_for_your_role, refused
from outbreakhq.core.views import require_capability
from outbreakhq.quarantine import placement, rules, services, worklists
from outbreakhq.quarantine.models import KIND_LABELS, SiteKind, Stay, StayStatus, TestResult
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
        "forecast": worklists.forecast(actor, today, sites=sites)})


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


@login_required
def awaiting_list(request):
    require_capability(request, Can.MANAGE_STAYS)
    actor = actor_of(request)
    today = timezone.localdate()
    return render(request, "quarantine/awaiting.html", {
        "rows": list(worklists.awaiting(actor)[:500]), "today": today,
        "choices": _sites_and_rooms(actor, today), "kinds": list(KIND_LABELS.items())})


@login_required
@require_POST
def place_person(request, pk: int):
    """Place the person (and the other people ticked with them, as one household)."""
    actor = actor_of(request)
    # The ticked people (the URL's person when none is ticked: the API and a one-person form).
    ids = list(dict.fromkeys(int(v) for v in request.POST.getlist("person") if v.isdigit()))
    ids = ids or [pk]
    try:
        stays = services.place_household(
            actor=actor, person_ids=ids, site_id=request.POST.get("site"),
            room_number=request.POST.get("room", ""), kind=request.POST.get("kind", ""),
            household=request.POST.get("household", ""))
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
    return render(request, "quarantine/bulk.html", {"plan": plan})


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
    require_capability(request, Can.MANAGE_STAYS)
    actor = actor_of(request)
    person = access_person(actor, pk, Can.MANAGE_STAYS)
    stays = list(worklists.stays_of(actor).filter(person=person).order_by("-pk"))
    current = next((s for s in stays if s.status == StayStatus.PLACED), None)
    today = timezone.localdate()
    context = {"person": person, "stays": stays, "current": current,
               "may_override": can(actor, Can.OVERRIDE_RULES),
               "choices": _sites_and_rooms(actor, today) if current else []}
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
