from __future__ import annotations

import numpy as np
import pytest

from outbreakhq.simulate.key_groups import KEY_GROUP_BIT
from outbreakhq.simulate.territory import LEVELS, REGION_CODE, generate

DIGITS = {"region": 6, "prefecture": 6, "county": 6, "township": 9, "community": 12,
          "compound": 15}


@pytest.fixture(scope="module")
def territory():
    return generate(population=50_000, seed=np.random.SeedSequence(5))


def test_codes_follow_the_statistical_scheme_under_province_99(territory):
    codes = territory.area_code.astype(str)
    assert codes[0] == str(REGION_CODE) and territory.area_parent[0] == -1
    for level, rows in territory.level_rows.items():
        assert {len(c) for c in codes[rows]} == {DIGITS[level]}
        assert all(c.startswith("99") for c in codes[rows])
    child = territory.area_parent >= 0
    parent_code = codes[territory.area_parent[child]]
    own = codes[child]
    # A county extends its prefecture's first four digits; lower levels extend the full code.
    assert all(o.startswith(p.rstrip("0") if len(o) == 6 else p)
               for o, p in zip(own, parent_code, strict=True))
    assert len(set(codes)) == codes.size


def test_parents_come_before_children_and_levels_step_down_by_one(territory):
    rows = np.flatnonzero(territory.area_parent >= 0)
    assert (territory.area_parent[rows] < rows).all()
    assert (territory.area_level[rows] == territory.area_level[territory.area_parent[rows]] + 1
            ).all()
    assert territory.area_level.max() == len(LEVELS) - 1


def test_populations_sum_up_the_tree(territory):
    pop = territory.area_population
    assert pop[0] == territory.population == 50_000
    for level in LEVELS[:-1]:
        rows = territory.level_rows[level]
        children = np.bincount(territory.area_parent[territory.area_parent >= 0],
                               weights=pop[territory.area_parent >= 0], minlength=pop.size)
        assert (children[rows] == pop[rows]).all()
    compound_pop = np.bincount(territory.person_compound)
    assert (compound_pop == pop[territory.level_rows["compound"]]).all()


def test_households_look_like_the_census_and_heads_are_adults(territory):
    assert territory.hh_size.mean() == pytest.approx(2.6, abs=0.1)
    heads = territory.hh_start
    assert (territory.age[heads] >= 18).all()
    assert (np.diff(territory.person_hh) >= 0).all()  # people sorted by household
    assert (np.diff(territory.hh_compound) >= 0).all()  # households sorted by compound


def test_key_places_have_their_key_groups(territory):
    health = (territory.key_groups & KEY_GROUP_BIT["health_worker"]) > 0
    assert 0.003 < health.mean() < 0.02
    place = territory.group_place[territory.place_group[health]]
    assert (territory.place_type[place] == 0).all()  # hospitals
    students = (territory.key_groups & KEY_GROUP_BIT["school_student"]) > 0
    assert (territory.age[students] >= 6).all() and (territory.age[students] <= 17).all()


def test_places_stand_in_the_county_of_their_members(territory):
    members = np.flatnonzero(territory.place_group >= 0)
    place = territory.group_place[territory.place_group[members]]
    member_county = territory.person_county[members]
    place_county = territory.compound_county[territory.place_compound[place]]
    assert (member_county == place_county).all()


def test_every_county_has_a_quarantine_site(territory):
    sites = territory.place_compound[territory.place_type == 5]
    counties = set(territory.compound_county[sites].tolist())
    assert counties == set(range(territory.compound_county.max() + 1))
