"""Key places and environmental samples: the list in scope with today's compliance, a place's
page with its people, and the forms (place.manage)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from outbreakhq.core.actor import actor_of
from outbreakhq.core.errors import InvalidInput, NotFound
from outbreakhq.core.roles import Can
from outbreakhq.core.views import require_capability
from outbreakhq.zones.models import (
    EnvironmentalSample,
    KeyPlace,
    PlaceKind,
    SampleKind,
    SampleResult,
)
from outbreakhq.zones.services import places as services


@login_required
def places(request):
    require_capability(request, Can.MANAGE_PLACES)
    actor = actor_of(request)
    rows = list(KeyPlace.objects.visible_to(actor, Can.MANAGE_PLACES,
                                            within=request.scope_area)
                .select_related("area")[:500])
    compliance = services.compliance(rows)
    for row in rows:
        row.compliance = compliance[row.pk]
    samples = (EnvironmentalSample.objects.visible_to(actor, Can.MANAGE_PLACES,
                                                      within=request.scope_area)
               .select_related("area", "place")[:200])
    return render(request, "zones/places.html", {
        "rows": rows, "samples": samples, "place_kinds": PlaceKind.choices,
        "sample_kinds": SampleKind.choices, "results": SampleResult.choices,
        "today": timezone.localdate()})


def _form(request, keys: tuple[str, ...]) -> dict:
    return {k: request.POST.get(k, "") for k in keys}


@login_required
@require_POST
def place_add(request):
    try:
        place = services.register_place(
            actor=actor_of(request), data=_form(request, ("area", "kind", "name", "people")))
        messages.success(request, _("Key place %(n)s registered.") % {"n": place.pk})
    except InvalidInput as exc:
        messages.error(request, str(exc))
    return redirect("zones_places")


@login_required
@require_POST
def sample_add(request):
    try:
        sample = services.record_sample(actor=actor_of(request), data=_form(
            request, ("area", "place", "kind", "sampled_on", "result", "description")))
        messages.success(request, _("Sample %(n)s recorded.") % {"n": sample.pk})
    except InvalidInput as exc:
        messages.error(request, str(exc))
    return redirect("zones_places")


@login_required
def place_page(request, pk: int):
    """A key place: its grade's testing frequency, today's compliance, its people (scoped,
    audited) and its environmental samples."""
    require_capability(request, Can.MANAGE_PLACES)
    actor = actor_of(request)
    place = services.access_place(actor, pk)  # outside scope: the 404 of a missing one
    members = services.place_members(actor, place)
    tests = services.last_tests([m.person_id for m in members])
    for member in members:
        member.last_test = tests.get(member.person_id)
    return render(request, "zones/place.html", {
        "place": place, "compliance": services.compliance([place])[place.pk],
        "members": members, "samples": place.samples.all()[:100]})


@login_required
@require_POST
def place_member_add(request, pk: int):
    require_capability(request, Can.MANAGE_PLACES)  # a role without it is refused, not redirected
    try:
        services.add_member(actor=actor_of(request), place_id=pk,
                            person_id=request.POST.get("person", ""))
        messages.success(request, _("Person added to the place."))
    except (InvalidInput, NotFound) as exc:  # a person not found, or not in scope: the same words
        messages.error(request, str(exc))
    return redirect("zones_place", pk=pk)
