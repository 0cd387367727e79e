"""Two managers place two people in the last bed at the same moment: exactly one wins (the
room's row lock; CARE #850 booked two patients into one bed). PostgreSQL only: SQLite runs one
write transaction at a time, so there is no race to lose there."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput
from outbreakhq.quarantine import services
from outbreakhq.quarantine.models import Stay
from tests.factories import make_user, territory
from tests.quarantine.conftest import hotel_site

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql]


def test_two_placements_race_for_the_last_bed_and_exactly_one_wins():
    land = territory()
    site = hotel_site(land, make_user("quarantine", land.county1))
    other = Actor.of(make_user("quarantine", land.county1))
    room = site.rooms[0]  # one bed
    people = [site.person(), site.person()]
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def place(person, actor) -> None:
        try:
            start.wait()
            services.place(actor=actor, person_id=person.pk, site_id=site.hotel.pk,
                           room_id=room.pk)
            outcomes.append("placed")
        except InvalidInput as exc:
            outcomes.append(" ".join(str(e) for e in exc.errors))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=place, args=(p, a))
               for p, a in zip(people, (site.actor, other), strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("placed") == 1, outcomes
    assert [o for o in outcomes if o != "placed"] == ["room: room 101 is full: 1 of 1 beds taken"]
    assert Stay.objects.filter(room=room).count() == 1


def test_a_bulk_placement_and_a_form_race_for_the_last_bed_and_exactly_one_wins():
    from outbreakhq.quarantine.services.stays import Placement

    land = territory()
    site = hotel_site(land, make_user("quarantine", land.county1))
    other = Actor.of(make_user("quarantine", land.county1))
    room = site.rooms[0]  # one bed
    people = [site.person(), site.person()]
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def by_bulk() -> None:
        try:
            start.wait()
            [(_item, result)] = services.place_many(actor=site.actor, placements=[
                Placement((people[0].pk,), site.hotel.pk, room.pk, "close_contact")])
            outcomes.append("placed" if not isinstance(result, InvalidInput) else
                            " ".join(str(e) for e in result.errors))
        finally:
            connections.close_all()

    def by_form() -> None:
        try:
            start.wait()
            services.place(actor=other, person_id=people[1].pk, site_id=site.hotel.pk,
                           room_id=room.pk)
            outcomes.append("placed")
        except InvalidInput as exc:
            outcomes.append(" ".join(str(e) for e in exc.errors))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=by_bulk), threading.Thread(target=by_form)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("placed") == 1, outcomes
    assert [o for o in outcomes if o != "placed"] == ["room: room 101 is full: 1 of 1 beds taken"]
    assert Stay.objects.filter(room=room).count() == 1
