"""Key places and environmental samples (place.manage): a positive sample raises an alert."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.utils.translation import gettext as _

from outbreakhq.core import audit
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import FieldError, InvalidInput, NotFound
from outbreakhq.core.models import Area
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can
from outbreakhq.core.scoped import require_role
from outbreakhq.core.unit_of_work import unit_of_work
from outbreakhq.zones.models import (
    Alert,
    AlertKind,
    EnvironmentalSample,
    KeyPlace,
    PlaceKind,
    SampleKind,
    SampleResult,
)


def _text(data: Mapping, key: str) -> str:
    return str(data.get(key) or "").strip()


def _area(actor: Actor, code: str) -> Area:
    """An area in the actor's scope for place.manage; elsewhere the same 404 as a missing one."""
    area = Area.objects.filter(code=code).first()
    if area is None or not can(actor, Can.MANAGE_PLACES, area):
        raise NotFound(_("No area with code %(code)s.") % {"code": code})
    return area


def register_place(*, actor: Actor, data: Mapping) -> KeyPlace:
    """A key place (`area`, `kind`, `name`, `people`)."""
    require_role(actor, Can.MANAGE_PLACES, what="key place")
    errors = []
    code, kind, name = _text(data, "area"), _text(data, "kind"), _text(data, "name")
    people = _text(data, "people") or "0"
    if not code:
        errors.append(FieldError("area", _("give the area code")))
    if kind not in PlaceKind.values:
        errors.append(FieldError("kind", _("one of %(kinds)s") % {"kinds": ", ".join(
            PlaceKind.values)}))
    if not name:
        errors.append(FieldError("name", _("give the place's name")))
    if not people.isdigit():
        errors.append(FieldError("people", _("a whole number")))
    if errors:
        raise InvalidInput(_("The place was not saved."), errors)
    area = _area(actor, code)
    with unit_of_work(actor):
        place = KeyPlace.objects.create(tenant_id=area.tenant_id, area=area, kind=kind,
                                        name=name[:200], people=int(people))
        audit.record(actor=actor, action="create", object_type="key place",
                     object_id=place.pk, area=area)
    return place


def record_sample(*, actor: Actor, data: Mapping) -> EnvironmentalSample:
    """An environmental sample (`area`, optional `place` number, `kind`, `sampled_on`,
    `result`, `description`); a positive one raises an early-warning alert."""
    require_role(actor, Can.MANAGE_PLACES, what="environmental sample")
    errors = []
    code, kind, result = _text(data, "area"), _text(data, "kind"), _text(data, "result")
    place_number = _text(data, "place")
    try:
        sampled_on = date.fromisoformat(_text(data, "sampled_on"))
    except ValueError:
        sampled_on = None
        errors.append(FieldError("sampled_on", _("give the day (YYYY-MM-DD)")))
    if not code:
        errors.append(FieldError("area", _("give the area code")))
    if kind not in SampleKind.values:
        errors.append(FieldError("kind", _("one of %(kinds)s") % {"kinds": ", ".join(
            SampleKind.values)}))
    if result not in SampleResult.values:
        errors.append(FieldError("result", _("one of %(results)s") % {"results": ", ".join(
            SampleResult.values)}))
    if place_number and not place_number.isdigit():
        errors.append(FieldError("place", _("give the place's number")))
    if errors:
        raise InvalidInput(_("The sample was not saved."), errors)
    area = _area(actor, code)
    place = None
    if place_number:
        place = KeyPlace.objects.visible_to(actor, Can.MANAGE_PLACES).filter(
            pk=int(place_number), area=area).first()
        if place is None:
            raise NotFound(_("No key place with number %(n)s in that area.")
                           % {"n": place_number})
    with unit_of_work(actor):
        sample = EnvironmentalSample.objects.create(
            tenant_id=area.tenant_id, area=area, place=place, kind=kind, sampled_on=sampled_on,
            result=result, description=_text(data, "description")[:200])
        if result == SampleResult.POSITIVE:
            Alert.objects.create(tenant_id=area.tenant_id, area=area, day=sampled_on,
                                 kind=AlertKind.POSITIVE_ENVIRONMENT,
                                 detail={"sample": sample.pk, "kind": kind,
                                         "place": place.pk if place else None})
        audit.record(actor=actor, action="create", object_type="environmental sample",
                     object_id=sample.pk, area=area, detail={"result": result})
    return sample
