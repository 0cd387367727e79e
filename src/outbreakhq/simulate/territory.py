"""A synthetic territory: the jurisdiction tree, households, people and the places they go to.

Everything is generated as numpy arrays, people sorted by household and households by compound,
so that "everyone in compound c" or "in county k" is a contiguous slice: the transmission engine
and the response rely on that to stay vectorised at a million people.

Sizes follow Chinese statistics loosely: households from the 2020 census size distribution
(mean 2.6), residential compounds of a few hundred households, 3-8 compounds per community,
4-11 communities per township, 4-9 townships per county, 3-7 counties per prefecture.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from outbreakhq.simulate import identities
from outbreakhq.simulate.key_groups import KEY_GROUP_BIT
from outbreakhq.simulate.names import STR, area_names, person_names
from outbreakhq.simulate.places import assign_places

LEVELS = ("region", "prefecture", "county", "township", "community", "compound")
REGION_CODE = 990000  # province 99 does not exist: the codes are clearly synthetic

# 7th national census (2020): share of family households of 1, 2, 3, 4, 5 and 6+ persons.
HOUSEHOLD_SIZES = np.array([1, 2, 3, 4, 5, 6])
HOUSEHOLD_SHARES = np.array([0.2539, 0.2968, 0.2099, 0.1317, 0.0619, 0.0458])
# Children per parent, drawn between these bounds (see _group); one range per level below.
CHILDREN = {"prefecture": (3, 7), "county": (4, 9), "township": (4, 11), "community": (3, 8)}
MEAN_COMPOUND_HOUSEHOLDS = 230
HOUSEHOLDS_PER_BUILDING = 24  # six floors of four flats
VISITOR_HOUSEHOLD_SHARE = 0.004  # parties of travellers staying in the territory


@dataclass
class Territory:
    """Arrays of one synthetic territory. Area rows list parents before children."""

    start_date: date
    area_code: np.ndarray        # int64, statistical-style codes (6, 9, 12 or 15 digits)
    area_parent: np.ndarray      # int32 row of the parent, -1 for the region
    area_level: np.ndarray       # int8 index into LEVELS
    area_name_en: list[str]
    area_name_zh: list[str]
    area_population: np.ndarray  # int64 residents, summed up the tree
    level_rows: dict[str, np.ndarray]  # rows of each level, in order (local index -> row)
    compound_community: np.ndarray  # int32 community index of each compound
    compound_township: np.ndarray  # int32 township index of each compound
    compound_county: np.ndarray    # int32 county index of each compound
    hh_compound: np.ndarray      # int32
    hh_start: np.ndarray         # int64 first person of each household
    hh_size: np.ndarray          # int16
    hh_building: np.ndarray      # int32 global building number
    hh_address: np.ndarray       # StringDType
    hh_visitor: np.ndarray       # bool: a party of travellers staying in the territory
    person_hh: np.ndarray        # int32
    person_compound: np.ndarray  # int32
    age: np.ndarray              # int16 whole years at the start date
    male: np.ndarray             # bool
    birth_day: np.ndarray        # int32 days since 1970-01-01
    name: np.ndarray             # StringDType
    id_number: np.ndarray        # S18
    phone: np.ndarray            # S11
    key_groups: np.ndarray       # uint16 bit mask over KEY_GROUPS
    place_group: np.ndarray      # int32 team / class / ward, -1 for none
    group_place: np.ndarray      # int32 place of each group
    place_type: np.ndarray       # int8 index into places.PLACE_TYPES
    place_compound: np.ndarray   # int32 compound where the place stands
    place_name_en: list[str]
    place_name_zh: list[str]

    @property
    def population(self) -> int:
        return int(self.age.size)

    @property
    def person_county(self) -> np.ndarray:
        return self.compound_county[self.person_compound]

    @property
    def person_township(self) -> np.ndarray:
        return self.compound_township[self.person_compound]

    def compound_code(self, compounds: np.ndarray) -> np.ndarray:
        return self.area_code[self.level_rows["compound"][compounds]]


def _household_sizes(rng: np.random.Generator, population: int) -> np.ndarray:
    draws = rng.choice(HOUSEHOLD_SIZES, size=population // 2 + 16, p=HOUSEHOLD_SHARES)
    total = np.cumsum(draws)
    cut = int(np.searchsorted(total, population)) + 1
    sizes = draws[:cut].astype(np.int16)
    sizes[-1] -= int(total[cut - 1] - population)  # the last household takes the remainder
    return sizes[sizes > 0]


def _group(rng: np.random.Generator, n: int, lo: int, hi: int) -> np.ndarray:
    """Parent index of each of n ordered children, parents having lo..hi children each."""
    sizes = rng.integers(lo, hi + 1, size=n // lo + 2)
    parent = np.repeat(np.arange(sizes.size, dtype=np.int32), sizes)[:n]
    return parent


def _compound_of_households(rng: np.random.Generator, n_households: int) -> np.ndarray:
    sizes = np.maximum(rng.lognormal(np.log(MEAN_COMPOUND_HOUSEHOLDS) - 0.18, 0.6,
                                     size=n_households // 20 + 2), 20).astype(np.int64)
    return np.repeat(np.arange(sizes.size, dtype=np.int32), sizes)[:n_households]


def _local_index(parent: np.ndarray) -> np.ndarray:
    """1-based position of each child under its parent (children are ordered by parent)."""
    first = np.searchsorted(parent, parent, side="left")
    return np.arange(parent.size) - first + 1


def _tree(rng: np.random.Generator, n_compounds: int) -> dict[str, np.ndarray]:
    """Parent index (within the level above) of every unit of each level, bottom-up."""
    parents: dict[str, np.ndarray] = {}
    count = n_compounds
    for level in ("community", "township", "county", "prefecture"):
        child = LEVELS[LEVELS.index(level) + 1]
        parents[child] = _group(rng, count, *CHILDREN[level])
        count = int(parents[child][-1]) + 1
    parents["prefecture"] = np.zeros(count, dtype=np.int32)
    if count > 99:
        raise ValueError("more than 99 prefectures: the population is too large for 2-digit codes")
    return parents


def _codes(parents: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    codes = {"region": np.array([REGION_CODE], dtype=np.int64)}
    codes["prefecture"] = REGION_CODE + 100 * _local_index(parents["prefecture"]).astype(np.int64)
    county_local = _local_index(parents["county"])
    if county_local.max() > 99:
        raise ValueError("more than 99 counties under one prefecture for the code scheme")
    codes["county"] = codes["prefecture"][parents["county"]] + county_local
    for level in ("township", "community", "compound"):
        above = codes[LEVELS[LEVELS.index(level) - 1]]
        local = _local_index(parents[level])
        if local.max() > 999:
            raise ValueError(f"too many {level} units under one parent for the code scheme")
        codes[level] = above[parents[level]] * 1000 + local
    return codes


def _areas(rng: np.random.Generator, parents: dict[str, np.ndarray], compound_pop: np.ndarray
           ) -> dict[str, object]:
    codes = _codes(parents)
    counts = {level: codes[level].size for level in LEVELS}
    offsets = np.cumsum([0] + [counts[level] for level in LEVELS])
    rows = {level: np.arange(offsets[i], offsets[i + 1]) for i, level in enumerate(LEVELS)}
    parent_row = [np.array([-1])] + [rows[LEVELS[i - 1]][parents[level]]
                                     for i, level in enumerate(LEVELS) if i > 0]
    population = {"compound": compound_pop.astype(np.int64)}
    for i in range(len(LEVELS) - 1, 0, -1):
        level, above = LEVELS[i], LEVELS[i - 1]
        population[above] = np.bincount(parents[level], weights=population[level],
                                        minlength=counts[above]).astype(np.int64)
    names_en: list[str] = []
    names_zh: list[str] = []
    for level in LEVELS:
        en, zh = area_names(rng, level=level, count=counts[level])
        names_en += en
        names_zh += zh
    return {
        "area_code": np.concatenate([codes[lv] for lv in LEVELS]),
        "area_parent": np.concatenate(parent_row).astype(np.int32),
        "area_level": np.repeat(np.arange(len(LEVELS), dtype=np.int8), list(counts.values())),
        "area_name_en": names_en, "area_name_zh": names_zh,
        "area_population": np.concatenate([population[lv] for lv in LEVELS]),
        "level_rows": rows,
    }


def _ages_and_sexes(rng: np.random.Generator, hh_size: np.ndarray, hh_start: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Household heads are adults; a second member is a partner; further ones children or
    grandparents, so that ages within a household look like families."""
    n = int(hh_size.sum())
    rank = np.arange(n) - np.repeat(hh_start, hh_size)
    head_age = np.repeat(np.clip(rng.normal(47, 15, size=hh_size.size), 20, 95), hh_size)
    head_male = np.repeat(rng.random(hh_size.size) < 0.55, hh_size)
    age = head_age.copy()
    partner = rank == 1
    age[partner] = np.clip(head_age[partner] + rng.normal(-2, 3, size=partner.sum()), 18, 99)
    further = rank >= 2
    child = further & (rng.random(n) < np.where(head_age < 60, 0.85, 0.3))
    age[child] = np.clip(head_age[child] - rng.uniform(22, 34, size=child.sum()), 0, None)
    elder = further & ~child
    age[elder] = np.clip(head_age[elder] + rng.uniform(22, 30, size=elder.sum()), 40, 100)
    male = np.where(rank == 0, head_male, np.where(partner, ~head_male, rng.random(n) < 0.51))
    return age.astype(np.int16), male


def _buildings(hh_compound: np.ndarray, compound_zh: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """Buildings of 24 flats filled in order in each compound: (building number, address)."""
    hh_rank = np.arange(hh_compound.size) - np.searchsorted(hh_compound, hh_compound)
    building_local = hh_rank // HOUSEHOLDS_PER_BUILDING
    new_building = (np.diff(hh_compound) != 0) | (np.diff(building_local) != 0)
    hh_building = np.concatenate([[0], np.cumsum(new_building)]).astype(np.int32)
    flat = hh_rank % HOUSEHOLDS_PER_BUILDING
    address = identities.addresses(compound_zh=compound_zh[hh_compound],
                                   building=building_local + 1, floor=flat // 4 + 1,
                                   door=flat % 4 + 1)
    return hh_building, address


def generate(*, population: int, seed: np.random.SeedSequence,
             start_date: date = date(2022, 8, 1)) -> Territory:
    """Generate a territory of `population` residents; the same seed gives the same territory."""
    if population < 10:
        raise ValueError("population must be at least 10")
    rng = np.random.default_rng(seed)
    hh_size = _household_sizes(rng, population)
    hh_start = np.concatenate([[0], np.cumsum(hh_size[:-1], dtype=np.int64)])
    hh_compound = _compound_of_households(rng, hh_size.size)
    n_compounds = int(hh_compound[-1]) + 1
    parents = _tree(rng, n_compounds)
    person_hh = np.repeat(np.arange(hh_size.size, dtype=np.int32), hh_size)
    person_compound = hh_compound[person_hh]
    areas = _areas(rng, parents, np.bincount(person_compound, minlength=n_compounds))
    compound_township = parents["community"][parents["compound"]]
    compound_county = parents["township"][compound_township]
    age, male = _ages_and_sexes(rng, hh_size, hh_start)
    compound_zh = np.array(areas["area_name_zh"], dtype=STR)[areas["level_rows"]["compound"]]
    hh_building, hh_address = _buildings(hh_compound, compound_zh)
    birth_day = identities.birth_days(rng, age=age, start_date=start_date)
    county_code = areas["area_code"][areas["level_rows"]["county"]][compound_county]
    territory = Territory(
        start_date=start_date, **areas,
        compound_community=parents["compound"].astype(np.int32),
        compound_township=compound_township.astype(np.int32),
        compound_county=compound_county.astype(np.int32),
        hh_compound=hh_compound, hh_start=hh_start, hh_size=hh_size, hh_building=hh_building,
        hh_address=hh_address,
        hh_visitor=(rng.random(hh_size.size) < VISITOR_HOUSEHOLD_SHARE) & (hh_size <= 3),
        person_hh=person_hh, person_compound=person_compound, age=age, male=male,
        birth_day=birth_day, name=person_names(rng, count=age.size),
        id_number=identities.resident_ids(county_code=county_code[person_compound],
                                          birth_day=birth_day, male=male),
        phone=identities.phones(count=age.size),
        key_groups=np.zeros(age.size, dtype=np.uint16),
        place_group=np.full(age.size, -1, dtype=np.int32), group_place=np.zeros(0, np.int32),
        place_type=np.zeros(0, np.int8), place_compound=np.zeros(0, np.int32),
        place_name_en=[], place_name_zh=[],
    )
    visitor = territory.hh_visitor[person_hh]
    territory.key_groups[visitor] |= KEY_GROUP_BIT["traveller"]
    assign_places(rng, territory=territory)
    return territory
