"""Shared set-up for the quarantine tests: a territory, a county-1 site manager, a hotel with
rooms, and people to place."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from outbreakhq.core.actor import Actor
from outbreakhq.core.models import Person
from outbreakhq.quarantine import services
from outbreakhq.quarantine.models import Room, Site
from tests.factories import Territory, make_person, make_user, territory


@dataclass
class Site1:
    land: Territory
    manager: object
    actor: Actor
    hotel: Site
    rooms: list[Room]  # room 101 has 1 bed, 102 and 103 have 2

    def person(self, **fields) -> Person:
        return make_person(self.land.compound1, **fields)


def hotel_site(land: Territory, manager, *, shared: bool = False) -> Site1:
    actor = Actor.of(manager)
    hotel = services.create_site(actor=actor, area=land.county1, name="Harbour Hotel",
                                 kind="hotel", shared_rooms=shared)
    rooms = services.add_rooms(actor=actor, site_id=hotel.pk, building="A", floor="1",
                               numbers=["101"], beds=1)
    rooms += services.add_rooms(actor=actor, site_id=hotel.pk, building="A", floor="1",
                                numbers=["102", "103"], beds=2)
    return Site1(land, manager, actor, hotel, rooms)


@pytest.fixture
def site(db) -> Site1:
    land = territory()
    return hotel_site(land, make_user("quarantine", land.county1, username="qiang"))
