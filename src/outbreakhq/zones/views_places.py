"""Key places and environmental samples: the list in scope, and two forms (place.manage)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from outbreakhq.core.actor import actor_of
from outbreakhq.core.errors import InvalidInput
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
    rows = (KeyPlace.objects.visible_to(actor, Can.MANAGE_PLACES, within=request.scope_area)
            .select_related("area")[:500])
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
