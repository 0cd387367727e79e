"""Key places and environmental samples (place.manage): a positive sample raises an alert; a
place's people, the testing frequency its area's grade asks for and today's compliance."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from outbreakhq import protocols
from outbreakhq.core import audit, hooks
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import FieldError, InvalidInput, NotFound
from outbreakhq.core.models import Area
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can
from outbreakhq.core.scoped import access_person, fetch_in_scope, require_role
from outbreakhq.core.unit_of_work import unit_of_work
from outbreakhq.zones import warnings
from outbreakhq.zones.models import (
    Alert,
    AlertKind,
    EnvironmentalSample,
    KeyPlace,
    KeyPlaceMember,
    PlaceKind,
    SampleKind,
    SampleResult,
)
from outbreakhq.zones.services.designations import grades_of_many


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


def access_place(actor: Actor, place_id: int, capability: str = Can.MANAGE_PLACES, *,
                 lock: bool = False) -> KeyPlace:
    """A key place in the actor's scope; elsewhere the same 404 as a missing one."""
    return fetch_in_scope(KeyPlace.objects.all(), place_id, actor=actor, capability=capability,
                          what="key place", lock=lock,
                          missing=_("No key place with number %(n)s.") % {"n": place_id})


def add_member(*, actor: Actor, place_id: int, person_id: object) -> KeyPlaceMember:
    """A person (by record number, in the actor's scope) works or lives at the place; once."""
    number = str(person_id or "").strip().lstrip("#")
    if not number.isdigit():
        raise InvalidInput(_("The person was not added."), [
            FieldError("person", _("give the person's record number"))])
    with unit_of_work(actor) as uow:
        place = uow.fetch(access_place, place_id, Can.MANAGE_PLACES)
        person = access_person(actor, int(number), Can.VIEW_PERSON)
        member, created = KeyPlaceMember.objects.get_or_create(
            place=place, person=person, defaults={"tenant_id": place.tenant_id})
        if created:
            audit.record(actor=actor, action="create", object_type="key place member",
                         object_id=member.pk, person=person, detail={"place": place.pk})
    return member


def place_members(actor: Actor, place: KeyPlace) -> list[KeyPlaceMember]:
    """The place's people the actor may see (a person outside their scope is not listed),
    with one audit event naming everyone shown."""
    rows = list(KeyPlaceMember.objects.visible_to(actor, Can.VIEW_PERSON)
                .filter(place=place).select_related("person", "person__home_area")
                .order_by("person__name", "id")[:1000])
    audit.record(actor=actor, action="view", object_type="key place", object_id=place.pk,
                 area=place.area, others=[(m.person_id, m.person.tenant_id) for m in rows])
    return rows


@dataclass(frozen=True)
class Compliance:
    """Today's testing at a key place: the grade of its area, the days between two tests that
    grade asks for (0: no routine testing, None: the area has no grade), its registered people
    and how many of them have a test within the window ending today."""

    grade: str | None
    every_days: int | None
    tested: int
    people: int

    @property
    def share(self) -> float | None:
        return self.tested / self.people if self.every_days and self.people else None

    @property
    def percent(self) -> int | None:
        return None if self.share is None else round(self.share * 100)


def last_tests(person_ids: Iterable[int]) -> dict[int, date]:
    """Each person's latest test day (local), from screening's answer to
    `screening.results_of_many` (never imported); nobody when screening does not answer."""
    answers = hooks.ask("screening.results_of_many", list(person_ids), default=None) or {}
    latest = {}
    for person, results in answers.items():
        days = [timezone.localdate(at) if isinstance(at, datetime) else at
                for at, _result in results if at]
        if days:
            latest[person] = max(days)
    return latest


def compliance(places: Iterable[KeyPlace], *, today: date | None = None
               ) -> dict[int, Compliance]:
    """Compliance per place (zones/warnings.py `tested_share`), for a page of places: one
    read of the members, one question to screening, one read of the grades."""
    today = today or timezone.localdate()
    places = list(places)
    measures = protocols.current().grading.measures
    members: dict[int, list[int]] = {}
    for place_id, person_id in KeyPlaceMember.objects.filter(
            place__in=places).values_list("place_id", "person_id"):
        members.setdefault(place_id, []).append(person_id)
    tests = last_tests({p for people in members.values() for p in people})
    grades = grades_of_many({place.area.path for place in places}, today)
    answers = {}
    for place in places:
        grade = grades[place.area.path]
        every = measures[grade].test_every_days if grade in measures else None
        people = members.get(place.pk, [])
        tested, _count = warnings.tested_share([tests.get(p) for p in people],
                                               every_days=every or 0, today=today)
        answers[place.pk] = Compliance(grade, every, tested, len(people))
    return answers
