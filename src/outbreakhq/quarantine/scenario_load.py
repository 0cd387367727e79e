"""Quarantine sites and stays for a simulated scenario (called by wiring/scenario_loader.py after
tracing's load, inside its transaction; dates shifted like tracing's, the simulation's last day
being today).

- Sites: every centralised quarantine site the simulation used becomes a purpose-built site in
  its compound, one building, floors of 20 rooms of 3 beds, a quarter more rooms than its
  busiest day needed; each county of the region gets a home-quarantine site. Their names are
  data in the deployment's language (core/data_language.py, as screening's): the simulator's
  place names ("… Quarantine Site" / "…隔离点") and "<county> home quarantine" / "<county>居家隔离".
- Stays: people still in a site's quarantine phase today hold a room, a household sharing
  rooms of 3 (the site does not put unrelated people together); stays that ended (completed, or
  the person became a case) are released on their end day; home stays sit in their county's
  home-quarantine site. Every test day of a stay before today has its negative result, and the
  person who became a case has a positive one on that day (the simulator's case finding).
- Arrivals: stays that start today (or tomorrow: the simulator's contacts traced on its last
  day) are left waiting for placement instead, so the quarantine manager's first work in the
  demo is placing them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection

from outbreakhq import protocols
from outbreakhq.core import bulk
from outbreakhq.core.data_language import names_in
from outbreakhq.core.models import Area
from outbreakhq.quarantine import rules
from outbreakhq.quarantine.models import (
    Awaiting,
    Building,
    Floor,
    Override,
    Room,
    Site,
    SiteKind,
    Stay,
    StayStatus,
    StayTest,
)

BEDS_PER_ROOM = 3
ROOMS_PER_FLOOR = 20
SPARE = 1.25  # rooms built per room needed on the busiest day
# The demo's home-quarantine site names by deployment language (core/data_language.py): data for
# the records; the other sites keep the simulator's place names in that language.
NAMES = {"en": {"home": "{area} home quarantine"}, "zh": {"home": "{area}居家隔离"}}


@dataclass(frozen=True)
class QuarantineLoad:
    sites: int
    rooms: int
    stays: int
    in_quarantine: int
    awaiting: int


def delete_tenant(tenant_id: int) -> None:
    """Remove a tenant's quarantine rows (before its people and areas), set-based."""
    sites = Site.objects.filter(tenant_id=tenant_id)
    with connection.cursor() as cursor:
        for model in (StayTest, Awaiting):
            cursor.execute(f'DELETE FROM "{model._meta.db_table}" WHERE tenant_id = %s',
                           [tenant_id])
    Stay.objects.filter(tenant_id=tenant_id).update(previous=None)
    Override.objects.filter(tenant_id=tenant_id).delete()
    Stay.objects.filter(tenant_id=tenant_id).delete()
    Room.objects.filter(site__in=sites).delete()
    Floor.objects.filter(building__site__in=sites).delete()
    Building.objects.filter(site__in=sites).delete()
    sites.delete()


def _rooms_needed(households: dict[str, int]) -> int:
    return sum(-(-size // BEDS_PER_ROOM) for size in households.values())


def _build(site: Site, rooms: int) -> tuple[Building, list[Floor], list[Room]]:
    """One building of `rooms` rooms, floors of ROOMS_PER_FLOOR."""
    building = Building(site=site, name="A")
    floors = [Floor(building=building, name=str(n + 1))
              for n in range(-(-rooms // ROOMS_PER_FLOOR))]
    return building, floors, [
        Room(site=site, floor=floors[n // ROOMS_PER_FLOOR],
             number=f"{n // ROOMS_PER_FLOOR + 1}{n % ROOMS_PER_FLOOR + 1:02d}",
             beds=BEDS_PER_ROOM) for n in range(rooms)]


def _assign_rooms(stays: list[Stay], rooms: list[Room]) -> None:
    """Households in order of arrival, each filling rooms of its own."""
    by_household: dict[str, list[Stay]] = defaultdict(list)
    for stay in stays:
        by_household[stay.household].append(stay)
    free = iter(rooms)
    for members in by_household.values():
        for start in range(0, len(members), BEDS_PER_ROOM):
            room = next(free)
            for stay in members[start:start + BEDS_PER_ROOM]:
                stay.room = room


def load_scenario(scenario, *, tenant_id: int, area_ids: dict[str, int],
                  person_ids: list[int], today: date, offset: int,
                  protocol: protocols.Protocol) -> QuarantineLoad:
    shift = timedelta(days=offset)
    people = scenario["persons"].select(["household", "home_area_code"]).to_pydict()
    places = scenario["places"].to_pydict()
    place_at = {p: i for i, p in enumerate(places["place"])}
    t = scenario["quarantine_stays"].to_pydict()
    counties = {a.code: a for a in Area.objects.filter(root_id=tenant_id, level="county")}
    county_of = {code: code[:6] for code in area_ids}

    column, words = names_in(NAMES)
    sites: dict[object, Site] = {}
    for place in sorted({s for s in t["site"] if s is not None}):
        i = place_at[place]
        sites[place] = Site(tenant_id=tenant_id, area_id=area_ids[places["area_code"][i]],
                            name=places[column][i], kind=SiteKind.PURPOSE_BUILT,
                            shared_rooms=False)
    for code, county in sorted(counties.items()):
        sites[code] = Site(tenant_id=tenant_id, area_id=county.pk, kind=SiteKind.HOME,
                           name=words["home"].format(area=getattr(county, column)),
                           shared_rooms=False)
    bulk.insert_models(list(sites.values()))

    stays: list[Stay] = []
    tests: list[StayTest] = []
    awaiting: list[Awaiting] = []
    open_stay: dict[int, Stay] = {}  # person -> their stay still running
    waiting: set[int] = set()
    order = sorted(range(len(t["person"])), key=lambda i: t["start_date"][i])
    for i in order:
        person, category, setting, place = (t["person"][i], t["category"][i], t["setting"][i],
                                            t["site"][i])
        start, end, outcome = t["start_date"][i] + shift, t["end_date"][i], t["outcome"][i]
        household = f"H{people['household'][person]}"
        home_code = people["home_area_code"][person]
        earlier = open_stay.pop(person, None)
        if earlier is not None:  # named again as a contact: the earlier stay ends the day before
            earlier.status = StayStatus.RELEASED
            earlier.ended_on = max(earlier.start, start - timedelta(days=1))
        if start >= today and outcome == "ongoing":
            if person in waiting:
                continue
            waiting.add(person)
            awaiting.append(Awaiting(tenant_id=tenant_id, area_id=area_ids[home_code],
                                     person_id=person_ids[person], kind=category,
                                     household=household))
            continue
        rule = protocol.rule_for(category)
        site = sites[place if setting == "centralised" else county_of[home_code]]
        ended = end + shift if end is not None and outcome != "ongoing" else None
        stay = Stay(tenant_id=tenant_id, area_id=site.area_id, person_id=person_ids[person],
                    site=site, kind=category, protocol=protocol.meta.name, start=start,
                    quarantine_end=rules.quarantine_end(rule, start),
                    planned_end=rules.planned_end(rule, start), household=household,
                    status=StayStatus.PLACED if ended is None else StayStatus.RELEASED,
                    ended_on=ended)
        stays.append(stay)
        if ended is None:
            open_stay[person] = stay
        last = min(ended or today - timedelta(days=1), today - timedelta(days=1))
        for day in rules.schedule(rule, start):
            if day.test and day.date <= last:
                positive = outcome == "became_case" and day.date == ended
                tests.append(StayTest(tenant_id=tenant_id, stay=stay, day=day.day,
                                      date=day.date, result=rules.POSITIVE if positive
                                      else rules.NEGATIVE))
    # Who holds a bed today: still placed, in a site (not at home), in the quarantine phase.
    holding: dict[int, list[Stay]] = defaultdict(list)
    for stay in open_stay.values():
        if not stay.site.is_home and stay.quarantine_end >= today:
            holding[id(stay.site)].append(stay)

    buildings, floors, rooms = [], [], []
    for site in sites.values():
        if site.is_home:
            continue
        held = holding[id(site)]
        households: dict[str, int] = defaultdict(int)
        for stay in held:
            households[stay.household] += 1
        building, site_floors, site_rooms = _build(
            site, int(_rooms_needed(households) * SPARE) + 1)
        buildings.append(building)
        floors += site_floors
        rooms += site_rooms
        _assign_rooms(held, site_rooms)
    bulk.insert_models(buildings)
    bulk.insert_models(floors)
    bulk.insert_models(rooms)
    bulk.insert_models(stays)
    bulk.insert_models(tests)
    bulk.insert_models(awaiting)
    return QuarantineLoad(sites=len(sites), rooms=len(rooms), stays=len(stays),
                          in_quarantine=sum(len(v) for v in holding.values()),
                          awaiting=len(awaiting))
