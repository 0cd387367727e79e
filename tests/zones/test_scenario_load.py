"""The demo's risk areas: shapes for every area, the event log from cases and screening tubes,
designations in force and today's proposals."""

from __future__ import annotations

import pytest
from django.utils import timezone

from outbreakhq.core.models import Area
from outbreakhq.simulate.engine import Config, simulate
from outbreakhq.wiring import scenario_loader as loader
from outbreakhq.zones.models import Designation, Status, ZoneEvent
from outbreakhq.zones.shapes import rings_of

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def scenario():
    return simulate(Config(population=3_000, days=16, seed=1))


def test_loaded_scenario_has_shapes_events_and_designations(scenario):
    result = loader.load(scenario)
    assert not Area.objects.filter(shape__isnull=True).exists()
    assert all(rings_of(a.shape) for a in Area.objects.all()[:50])
    infections = ZoneEvent.objects.filter(kind="infection").count()
    assert infections == scenario["cases"].num_rows
    assert ZoneEvent.objects.filter(kind__startswith="round").exists()
    assert ZoneEvent.objects.order_by("-day").first().day <= timezone.localdate()
    assert Designation.objects.filter(status=Status.APPROVED).exists()
    assert Designation.objects.filter(area__path__startswith="/" + result.region_code).exists()
    loader.load(scenario, replace=True)  # zones' rows do not block replacing the region
