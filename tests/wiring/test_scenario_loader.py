"""The loader writes areas, key groups, people and tags in one transaction (SQLite, PostgreSQL)."""

from __future__ import annotations

import pytest

from outbreakhq.core.identity import validate_cn_resident_id
from outbreakhq.core.models import Area, KeyGroup, Person, PersonKeyGroup
from outbreakhq.simulate.engine import Config, simulate
from outbreakhq.wiring import scenario_loader as loader

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def scenario():
    return simulate(Config(population=2_000, days=20, seed=5))


@pytest.fixture(scope="module")
def other_scenario():
    return simulate(Config(population=2_500, days=20, seed=6))


def test_load_writes_the_tree_with_paths_depths_roots_and_populations(scenario):
    result = loader.load(scenario)
    areas = scenario["areas"]
    assert result.areas == areas.num_rows == Area.objects.count()
    region = Area.objects.get(code="990000")
    assert region.parent is None and region.depth == 0 and region.path == "/990000/"
    assert region.population == 2_000
    for area in Area.objects.exclude(pk=region.pk).select_related("parent"):
        assert area.path == area.parent.path + area.code + "/"
        assert area.depth == area.parent.depth + 1
        assert area.root_id == region.id
    compound = Area.objects.filter(level="compound").first()
    assert compound.depth == 5
    assert compound.population == Person.objects.filter(home_area=compound).count()


def test_load_writes_people_with_tenant_home_compound_and_valid_ids(scenario):
    loader.load(scenario)
    region = Area.objects.get(code="990000")
    assert Person.objects.count() == 2_000
    assert Person.objects.exclude(tenant=region).count() == 0
    assert Person.objects.exclude(home_area__level="compound").count() == 0
    for number in Person.objects.values_list("id_number", flat=True)[:500]:
        assert validate_cn_resident_id(number) == number
    person = Person.objects.order_by("id").first()
    row = scenario["persons"].slice(0, 1).to_pylist()[0]
    assert (person.name, person.phone, person.birth_date) == (row["name"], row["phone"],
                                                               row["birth_date"])


def test_load_tags_people_with_their_key_groups(scenario):
    result = loader.load(scenario)
    tags = scenario["person_key_groups"]
    assert result.key_group_tags == tags.num_rows == PersonKeyGroup.objects.count()
    expected = tags.column("key_group").to_pylist()
    students = expected.count("school_student")
    assert students > 0
    assert Person.objects.filter(key_groups__code="school_student").count() == students
    assert KeyGroup.objects.filter(code="school_student").count() == 1
    region = Area.objects.get(code="990000")
    assert PersonKeyGroup.objects.exclude(tenant=region).count() == 0


def test_loading_the_same_region_twice_refuses_and_writes_nothing(scenario, other_scenario):
    loader.load(scenario)
    with pytest.raises(loader.ScenarioExists, match="--replace"):
        loader.load(other_scenario)
    assert Person.objects.count() == 2_000


def test_replace_swaps_the_whole_scenario(scenario, other_scenario):
    loader.load(scenario)
    result = loader.load(other_scenario, replace=True)
    assert result.people == Person.objects.count() == 2_500
    assert Area.objects.count() == other_scenario["areas"].num_rows
    assert PersonKeyGroup.objects.count() == other_scenario["person_key_groups"].num_rows
