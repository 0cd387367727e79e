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
