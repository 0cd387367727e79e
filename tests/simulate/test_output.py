from __future__ import annotations

import numpy as np
import pytest

from outbreakhq.core.identity import validate_cn_resident_id
from outbreakhq.simulate.output import FORMAT_VERSION, TABLES


def column(table, name):
    return table[name].to_numpy(zero_copy_only=False)


@pytest.fixture(scope="module")
def compounds(small):
    areas = small["areas"]
    return set(column(areas, "code")[column(areas, "level") == "compound"].tolist())


def test_every_table_is_there_with_the_format_version(small):
    assert small.meta["format_version"] == FORMAT_VERSION == 1
    assert list(small.tables) == list(TABLES)
    assert small.meta["rows"]["persons"] == 20_000


def test_every_identity_number_passes_the_validator(small):
    numbers = column(small["persons"], "id_number")
    assert all(validate_cn_resident_id(n) == n for n in numbers)
    assert len(set(numbers.tolist())) == numbers.size


@pytest.mark.parametrize(("table", "code_column"), [
    ("persons", "home_area_code"), ("households", "area_code"), ("places", "area_code"),
    ("cases", "home_area_code"), ("tubes", "area_code"), ("support_requests", "area_code"),
    ("stranded_travellers", "area_code"),
])
def test_every_record_lands_in_an_existing_compound(small, compounds, table, code_column):
    codes = set(column(small[table], code_column).tolist())
    assert codes <= compounds


def test_area_parents_exist_and_populations_match_residents(small):
    areas = small["areas"]
    codes = set(column(areas, "code").tolist())
    parents = [p for p in areas["parent_code"].to_pylist() if p is not None]
    assert set(parents) <= codes
    residents = small["persons"].group_by("home_area_code").aggregate([("person", "count")])
    per_compound = dict(zip(residents["home_area_code"].to_pylist(),
                            residents["person_count"].to_pylist(), strict=True))
    population = dict(zip(areas["code"].to_pylist(), areas["population"].to_pylist(), strict=True))
    assert all(population[code] == n for code, n in per_compound.items())


def test_references_between_tables_resolve(small):
    people = small.meta["rows"]["persons"]
    for table in ("infections", "cases", "contacts", "quarantine_stays", "recalls",
                  "support_requests", "stranded_travellers", "person_key_groups"):
        person = column(small[table], "person")
        assert ((person >= 0) & (person < people)).all(), table
    case_ids = set(column(small["cases"], "case").tolist())
    assert set(column(small["contacts"], "case").tolist()) <= case_ids
    infected = set(column(small["infections"], "person").tolist())
    infectors = small["infections"]["infector"].drop_null().to_pylist()
    assert set(infectors) <= infected
    assert set(column(small["cases"], "person").tolist()) <= infected
    tubes = set(column(small["tubes"], "tube").tolist())
    assert set(column(small["recalls"], "tube").tolist()) <= tubes


def test_cases_carry_route_classification_and_control(small):
    cases = small["cases"]
    assert cases.num_rows > 50
    assert set(column(cases, "classification").tolist()) == {"confirmed", "asymptomatic"}
    sample, report = column(cases, "sample_date"), column(cases, "report_date")
    assert (sample <= report).all()
    assert 0 < column(cases, "under_control").mean() < 1


def test_positive_pools_are_recalled_member_by_member(small):
    tubes = small["tubes"]
    pooled_positive = column(tubes, "positive") & (column(tubes, "swabs") > 1)
    recalled = np.unique(column(small["recalls"], "tube"))
    assert set(column(tubes, "tube")[pooled_positive].tolist()) == set(recalled.tolist())


def test_quarantine_stays_follow_the_close_contact_rule(small):
    stays = small["quarantine_stays"]
    close = column(stays, "category") == "close_contact"
    start = column(stays, "start_date")[close]
    end = column(stays, "quarantine_end_date")[close]
    monitoring = column(stays, "monitoring_end_date")[close]
    assert ((end - start).astype(int) == 6).all()          # 7 days, day 1 included
    assert ((monitoring - start).astype(int) == 9).all()   # + 3 days of home monitoring
    assert set(column(stays, "setting")[close].tolist()) == {"centralised"}
