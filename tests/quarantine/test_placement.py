"""Bulk placement: households to the nearest room that holds them, a reason for the rest."""

from __future__ import annotations

import pytest

from outbreakhq.quarantine import placement, services, worklists
from outbreakhq.quarantine.models import Stay
from outbreakhq.quarantine.placement import Group, Slot, assign, closeness
from outbreakhq.quarantine.services.stays import today
from tests.factories import make_person

SETTINGS = {"close_contact": "centralised", "secondary_contact": "home",
            "inbound_traveller": "none"}


def slot(room: int | None, path: str, free: int, **kw) -> Slot:
    return Slot(site_id=kw.pop("site", room or 0), site_name="S", site_path=path,
                room_id=room, room_number=str(room), free=free,
                empty=kw.pop("empty", True), shared=kw.pop("shared", False), **kw)


def group(key: str, n: int, path: str, kind: str = "close_contact") -> Group:
    return Group(key, list(range(n)), [key] * n, path, kind)


def test_closeness_counts_the_shared_levels_of_the_area_tree():
    assert closeness("/99/9901/", "/99/9901/990101/") == 2
    assert closeness("/99/9902/", "/99/9901/990101/") == 1
    assert closeness("/88/", "/99/9901/") == 0


def test_a_household_goes_to_the_nearest_room_with_enough_beds():
    near_small = slot(1, "/99/9901/", 1)
    near_big = slot(2, "/99/9901/", 3)
    far_big = slot(3, "/99/9902/", 3)
    done = assign([group("H1", 2, "/99/9901/990101/")], [far_big, near_small, near_big], SETTINGS)
    assert done[0].slot is near_big and near_big.free == 1 and not near_big.empty


def test_nobody_joins_a_room_of_strangers_and_each_one_left_out_has_a_reason():
    taken = slot(1, "/99/", 3, empty=False)
    plan = assign([group("p1", 1, "/99/9901/"), group("p2", 1, "/88/"),
                   group("p3", 1, "/99/", "inbound_traveller")], [taken], SETTINGS)
    assert [g.slot for g in plan] == [None, None, None]
    assert "no room with 1 free beds" in plan[0].reason
    assert "quarantines no Inbound traveller" in plan[2].reason


def test_home_quarantine_goes_to_a_home_site_covering_the_area():
    home = slot(None, "/99/9901/", 0, home=True)
    plan = assign([group("p1", 1, "/99/9901/990101/", "secondary_contact")], [home], SETTINGS)
    assert plan[0].slot is home


@pytest.mark.django_db
def test_bulk_placement_places_everyone_who_fits_and_says_why_not_the_others(site):
    for n in range(4):
        services.add_awaiting(actor=site.actor, person_id=site.person().pk,
                              household="fam" if n < 2 else "")
    far = make_person(site.land.compound3)  # outside the manager's county: not listed at all
    assert worklists.awaiting(site.actor).count() == 4
    plan = placement.plan_for(site.actor, today())
    assert [len(g.person_ids) for g in plan] == [2, 1, 1]
    assert [g.slot.room_number for g in plan] == ["102", "101", "103"]
    placed, failed = placement.apply(site.actor, plan)
    assert (placed, failed) == (4, [])
    assert Stay.objects.filter(household="fam").values("room").distinct().count() == 1
    services.add_awaiting(actor=site.actor, person_id=site.person().pk)
    placed, failed = placement.apply(site.actor, placement.plan_for(site.actor, today()))
    assert placed == 0 and "no room with 1 free beds" in failed[0]
    assert not Stay.objects.filter(person=far).exists()


def test_a_set_based_batch_counts_its_own_groups_and_keeps_every_rule(site):
    from outbreakhq.quarantine import services
    from outbreakhq.quarantine.models import Stay
    from outbreakhq.quarantine.services.stays import Placement

    hotel, (r101, r102, r103) = site.hotel.pk, site.rooms
    a, b, c, d, e = (site.person() for _ in range(5))
    already = services.place(actor=site.actor, person_id=e.pk, site_id=hotel, room_id=r103.pk)
    batch = [
        Placement((a.pk, b.pk), hotel, r102.pk, "close_contact", "H-ab"),  # a household: fits
        Placement((c.pk,), hotel, r102.pk, "close_contact"),  # full after the first group
        Placement((d.pk,), hotel, r103.pk, "close_contact"),  # a stranger's room
        Placement((e.pk,), hotel, r101.pk, "close_contact"),  # already in a stay
        Placement((c.pk,), hotel, r103.pk, "close_contact", "H-ab"),  # household is in 102
    ]
    results = [r for _item, r in services.place_many(actor=site.actor, placements=batch)]
    assert not isinstance(results[0], Exception), results[0].errors
    assert len(results[0]) == 2
    reasons = [" ".join(str(x) for x in r.errors) for r in results[1:]]
    assert "room 102 is full: 2 of 2 beds taken" in reasons[0]
    assert "holds other people" in reasons[1]
    assert f"is already in a stay at Harbour Hotel (stay {already.pk})" in reasons[2]
    assert "household H-ab is placed in Harbour Hotel, room 102" in reasons[3]
    assert set(Stay.objects.values_list("person_id", flat=True)) == {a.pk, b.pk, e.pk}
    assert set(Stay.objects.filter(person__in=[a, b]).values_list("room", flat=True)) == {r102.pk}


def test_free_rooms_of_every_site_at_once_answers_as_each_site_read_alone(site):
    """The preview's one grouped read equals the site page's per-site read, on sites with
    shared rooms, a home site, full rooms, rooms partly taken and beds held by stays whose
    quarantine days ended (those beds are free)."""
    from datetime import timedelta

    from outbreakhq.quarantine.models import Site

    actor, land = site.actor, site.land
    shared = services.create_site(actor=actor, area=land.county1, name="Dorm", kind="hotel",
                                  shared_rooms=True)
    services.add_rooms(actor=actor, site_id=shared.pk, building="B", floor="2",
                       numbers=["9", "10", "11"], beds=3)
    services.add_rooms(actor=actor, site_id=shared.pk, building="A", floor="1",
                       numbers=["1"], beds=1)
    home = services.create_site(actor=actor, area=land.county1, name="Homes", kind="home")
    empty = services.create_site(actor=actor, area=land.county1, name="Empty", kind="hotel")
    r101, r102, _r103 = site.rooms
    past = today() - timedelta(days=30)  # quarantine days long over: the bed is free again
    services.place(actor=actor, person_id=site.person().pk, site_id=site.hotel.pk,
                   room_id=r101.pk)  # full
    services.place(actor=actor, person_id=site.person().pk, site_id=site.hotel.pk,
                   room_id=r102.pk, start=past)  # holds no bed
    services.place(actor=actor, person_id=site.person().pk, site_id=shared.pk,
                   room_number="9")  # one of three
    for _ in range(3):
        services.place(actor=actor, person_id=site.person().pk, site_id=shared.pk,
                       room_number="10")  # full
    services.place(actor=actor, person_id=site.person().pk, site_id=home.pk)
    sites = list(Site.objects.order_by("pk"))
    at_once = worklists.free_rooms_of([s.pk for s in sites], today())
    one_by_one = {s.pk: [(r.pk, r.number, r.beds, r.held)
                         for r in worklists.free_rooms(s, today())] for s in sites}
    assert at_once == {k: v for k, v in one_by_one.items() if v}
    assert [r[1] for r in at_once[site.hotel.pk]] == ["102", "103"]
    assert [(r[1], r[3]) for r in at_once[shared.pk]] == [("1", 0), ("11", 0), ("9", 1)]
    assert home.pk not in at_once and empty.pk not in at_once


def test_the_preview_says_when_more_wait_than_it_shows(site, monkeypatch):
    from tests.factories import logged_in

    monkeypatch.setattr(placement, "PREVIEW_LIMIT", 3)
    client = logged_in(site.manager)
    households = ["", "", "fam", "", "fam"]  # the cut after three splits household fam
    for household in households[:2]:
        services.add_awaiting(actor=site.actor, person_id=site.person().pk, household=household)
    page = client.get("/quarantine/awaiting/bulk/").content.decode()
    assert "preview-cut" not in page
    for household in households[2:]:
        services.add_awaiting(actor=site.actor, person_id=site.person().pk, household=household)
    plan = placement.plan_for(site.actor, today())
    assert [len(g.person_ids) for g in plan] == [1, 1, 2]  # fam whole, the fourth waits
    page = client.get("/quarantine/awaiting/bulk/").content.decode()
    assert "4 of 5 people awaiting are shown: place them, then preview again" in page
