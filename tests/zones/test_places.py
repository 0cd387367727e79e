"""Key places and environmental samples: registered in scope, a positive sample is an alert."""

from __future__ import annotations

import pytest

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput, NotFound
from outbreakhq.zones.models import Alert, EnvironmentalSample, KeyPlace
from outbreakhq.zones.services import places
from tests.factories import logged_in, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def tracer(zones):
    return make_user("tracer", zones.land.county1)


def test_positive_sample_at_a_key_place_raises_an_alert(zones, tracer):
    actor, c1 = Actor.of(tracer), zones.land.compound1
    place = places.register_place(actor=actor, data={
        "area": c1.code, "kind": "market", "name": "East market", "people": "120"})
    places.record_sample(actor=actor, data={
        "area": c1.code, "place": str(place.pk), "kind": "cold_chain",
        "sampled_on": "2022-08-01", "result": "negative"})
    assert not Alert.objects.exists()
    places.record_sample(actor=actor, data={
        "area": c1.code, "kind": "sewage", "sampled_on": "2022-08-02", "result": "positive"})
    alert = Alert.objects.get()
    assert alert.kind == "positive_environment" and alert.area == c1


def test_bad_fields_are_named_and_nothing_is_saved(zones, tracer):
    with pytest.raises(InvalidInput) as exc:
        places.record_sample(actor=Actor.of(tracer), data={"kind": "air", "sampled_on": "x"})
    assert {e.field for e in exc.value.errors} == {"area", "kind", "sampled_on", "result"}
    assert not EnvironmentalSample.objects.exists()


def test_a_place_outside_scope_is_refused_as_not_found(zones, tracer):
    with pytest.raises(NotFound):
        places.register_place(actor=Actor.of(tracer), data={
            "area": zones.land.compound2.code, "kind": "school", "name": "No. 3 school"})
    assert not KeyPlace.objects.exists()


def test_places_page_lists_and_registers(zones, tracer):
    client = logged_in(tracer)
    client.post("/risk-areas/places/add/", {"area": zones.land.compound1.code,
                                             "kind": "nursing_home", "name": "Sunset home",
                                             "people": "80"})
    assert "Sunset home" in client.get("/risk-areas/places/").content.decode()


def _place_with_people(zones, tracer, n: int):
    from tests.factories import make_person

    actor = Actor.of(tracer)
    place = places.register_place(actor=actor, data={
        "area": zones.land.compound1.code, "kind": "construction_site", "name": "Tower 3",
        "people": str(n)})
    people = [make_person(zones.land.compound1, name=f"Worker {i}") for i in range(n)]
    for person in people:
        places.add_member(actor=actor, place_id=place.pk, person_id=str(person.pk))
    return place, people


def test_compliance_is_the_share_tested_within_the_grades_frequency(zones, tracer, monkeypatch):
    from datetime import datetime, timedelta

    from django.utils import timezone

    from outbreakhq.core import hooks
    from outbreakhq.zones.services import designations

    today = timezone.localdate()
    place, people = _place_with_people(zones, tracer, 4)
    at = [timezone.make_aware(datetime.combine(today - timedelta(days=d), datetime.min.time()))
          for d in (0, 2)]
    asked = []

    def results_of_many(ids):  # screening's answer: newest first per person
        asked.append(sorted(ids))
        return {people[0].pk: [(at[0], "negative")], people[1].pk: [(at[1], "negative")]}

    monkeypatch.setitem(hooks.PROVIDERS, "screening.results_of_many", results_of_many)
    assert places.compliance([place])[place.pk].grade is None  # not graded: no routine testing
    cora = Actor.of(zones.commander)
    for grade, expected in (("high", (1, 1, 25)), ("low", (3, 2, 50))):  # cn: daily, 3 days
        designations.designate(actor=cora, data={"area": zones.land.compound1.code,
                                                 "grade": grade, "since": today.isoformat(),
                                                 "reason": "test"})
        c = places.compliance([place])[place.pk]
        assert (c.every_days, c.tested, c.percent) == expected and c.people == 4
    assert asked[-1] == sorted(p.pk for p in people)
    page = logged_in(tracer).get("/risk-areas/places/").content.decode()
    assert "every 3 days" in page and "2 of 4 (50 %)" in page


def test_a_place_page_lists_its_people_in_scope_and_audits_the_view(zones, tracer):
    from outbreakhq.core.models import AuditEvent

    place, people = _place_with_people(zones, tracer, 2)
    page = logged_in(tracer).get(f"/risk-areas/places/{place.pk}/").content.decode()
    assert "Worker 0" in page and "Worker 1" in page and "not graded" in page
    event = AuditEvent.objects.filter(object_type="key place", action="view").get()
    assert event.object_id == str(place.pk)
    other = make_user("tracer", zones.land.county2)  # the place is in county 1
    assert logged_in(other).get(f"/risk-areas/places/{place.pk}/").status_code == 404


def test_a_person_outside_scope_or_no_number_is_not_added(zones, tracer):
    from outbreakhq.core.errors import OutOfScope
    from outbreakhq.zones.models import KeyPlaceMember
    from tests.factories import make_person

    place, _people = _place_with_people(zones, tracer, 0)
    stranger = make_person(zones.land.compound2)  # county 2
    with pytest.raises((NotFound, OutOfScope)):
        places.add_member(actor=Actor.of(tracer), place_id=place.pk, person_id=stranger.pk)
    with pytest.raises(InvalidInput) as exc:
        places.add_member(actor=Actor.of(tracer), place_id=place.pk, person_id="abc")
    assert [e.field for e in exc.value.errors] == ["person"]
    assert not KeyPlaceMember.objects.exists()
