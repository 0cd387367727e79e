"""Shared set-up for the zones tests: the test territory and a commander of the region."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from outbreakhq.core.models import Area
from outbreakhq.zones.feed import record_event
from tests.factories import Territory, make_user, territory

D0 = date(2022, 8, 1)


@dataclass
class Zones:
    land: Territory
    commander: object  # commander of the whole region
    county_commander: object  # commander of county 1 only

    def event(self, area: Area, day: date, kind: str, ref: str = "") -> None:
        record_event(area, day, kind, ref)


@pytest.fixture
def zones(db) -> Zones:
    land = territory()
    return Zones(land, make_user("commander", land.region, username="cora"),
                 make_user("commander", land.county1, username="colin"))
