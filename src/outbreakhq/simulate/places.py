"""Key places and workplaces, and who belongs to them.

Each person belongs to at most one place, through a group (a ward, a class, a team) of a few
dozen people: transmission at places happens inside groups. Places are drawn per county, in a
random compound of that county, so that tracing and risk grading land in real areas.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from outbreakhq.simulate.key_groups import KEY_GROUP_BIT
from outbreakhq.simulate.names import compose_names

if TYPE_CHECKING:
    from outbreakhq.simulate.territory import Territory

PLACE_TYPES = ("hospital", "nursing_home", "school", "market", "construction_site",
               "quarantine_site", "workplace")


@dataclass(frozen=True)
class Membership:
    key_group: str | None
    min_age: int
    max_age: int
    men_only: bool
    share: float  # of the eligible people (age, sex, no place yet)


@dataclass(frozen=True)
class PlaceSpec:
    type: str
    members: tuple[Membership, ...]
    group_size: int
    groups_per_place: int
    en: str
    zh: str


# Shares are rough orders of magnitude for a Chinese city (about 8 health workers per 1,000
# people, 3 % of people over 75 in residential care, every child of 6-17 at school with a
# teacher or staff member for about 15 pupils …).
SPECS: tuple[PlaceSpec, ...] = (
    PlaceSpec("hospital", (Membership("health_worker", 22, 59, False, 0.013),), 30, 20,
              "Hospital", "医院"),
    PlaceSpec("nursing_home", (Membership("nursing_home_resident", 75, 120, False, 0.03),
                               Membership("nursing_home_staff", 25, 59, False, 0.0008)), 40, 4,
              "Nursing Home", "养老院"),
    PlaceSpec("school", (Membership("school_student", 6, 17, False, 0.97),
                         Membership("school_staff", 22, 59, False, 0.016)), 40, 30,
              "School", "学校"),
    PlaceSpec("market", (Membership("market_vendor", 20, 64, False, 0.01),), 30, 5,
              "Market", "农贸市场"),
    PlaceSpec("construction_site", (Membership("construction_worker", 20, 59, True, 0.04),), 40,
              5, "Construction Site", "建筑工地"),
    PlaceSpec("quarantine_site", (Membership("quarantine_staff", 22, 55, False, 0.001),), 20, 3,
              "Quarantine Site", "隔离点"),
    PlaceSpec("workplace", (Membership(None, 20, 59, False, 0.6),), 25, 4, "Workplace", "单位"),
)


def _members(rng: np.random.Generator, territory: Territory, spec: PlaceSpec) -> np.ndarray:
    """Tag and return the people who join places of this type (sorted by county, shuffled)."""
    free = (territory.place_group < 0) & ~territory.hh_visitor[territory.person_hh]
    chosen = np.zeros(territory.population, dtype=bool)
    for member in spec.members:
        pick = free & (territory.age >= member.min_age) & (territory.age <= member.max_age)
        if member.men_only:
            pick &= territory.male
        pick &= rng.random(territory.population) < member.share
        pick &= ~chosen
        if member.key_group:
            territory.key_groups[pick] |= KEY_GROUP_BIT[member.key_group]
        chosen |= pick
    people = np.flatnonzero(chosen)
    county = territory.person_county[people]
    return people[np.lexsort((rng.random(people.size), county))]


def _per_county(county: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Chunk people (sorted by county) into units of `size` that never cross a county.

    Returns (unit index of each person, county of each unit)."""
    if county.size == 0:
        return np.zeros(0, dtype=np.int64), county
    rank = np.arange(county.size) - np.searchsorted(county, county)
    local = rank // size
    new = np.concatenate([[True], (county[1:] != county[:-1]) | (local[1:] != local[:-1])])
    unit = np.cumsum(new) - 1
    return unit, county[new]


def _place_compounds(rng: np.random.Generator, territory: Territory, county: np.ndarray
                     ) -> np.ndarray:
    first = np.searchsorted(territory.compound_county, county, side="left")
    last = np.searchsorted(territory.compound_county, county, side="right")
    return (first + np.floor(rng.random(county.size) * (last - first))).astype(np.int32)


def assign_places(rng: np.random.Generator, *, territory: Territory) -> None:
    """Fill the territory's place arrays and each person's place group, in place."""
    group_place: list[np.ndarray] = []
    place_type: list[np.ndarray] = []
    place_county: list[np.ndarray] = []
    n_groups = n_places = 0
    for type_index, spec in enumerate(SPECS):
        people = _members(rng, territory, spec)
        county = territory.person_county[people]
        group, group_county = _per_county(county, spec.group_size)
        place, county_of_place = _per_county(group_county, spec.groups_per_place)
        if spec.type == "quarantine_site":
            # Every county runs at least one site, staffed or not, for quarantine stays.
            missing = np.setdiff1d(np.arange(territory.compound_county.max() + 1),
                                   county_of_place)
            county_of_place = np.concatenate([county_of_place, missing])
        territory.place_group[people] = n_groups + group
        group_place.append(n_places + place)
        place_type.append(np.full(county_of_place.size, type_index, dtype=np.int8))
        place_county.append(county_of_place)
        n_groups += group_county.size
        n_places += county_of_place.size
        en, zh = compose_names(rng, count=county_of_place.size, zh_suffix=spec.zh,
                               en_suffix=spec.en)
        territory.place_name_en += en
        territory.place_name_zh += zh
    territory.group_place = np.concatenate(group_place).astype(np.int32)
    territory.place_type = np.concatenate(place_type)
    territory.place_compound = _place_compounds(rng, territory, np.concatenate(place_county))
