from __future__ import annotations

import numpy as np
import pytest

from outbreakhq.simulate.detection import ROUTE, ROUTES
from outbreakhq.simulate.engine import Config, Engine
from outbreakhq.simulate.state import NEVER


@pytest.fixture
def engine() -> Engine:
    engine = Engine(Config(population=5_000, days=1, seed=1))
    engine.pathogen = engine.lab.pathogen = type(engine.pathogen)(
        **{**engine.pathogen.__dict__, "pcr_sensitivity": 1.0})  # a perfect assay for the test
    return engine


def infect(engine: Engine, person: int, *, days_ago: int) -> None:
    engine.state.inf_day[person] = -days_ago


def test_pool_positive_recalls_all_members(engine):
    infect(engine, 3, days_ago=4)
    people = np.arange(0, 30)
    engine.lab.collect(engine.rng_resp, day=0, people=people, pool=10, population="community",
                       route=ROUTE["community_screening"])
    tubes = engine.lab.tubes.arrays()
    assert tubes["swabs"].sum() == 30 and tubes["positive"].sum() == 1
    recalls = engine.lab.recalls.arrays()
    positive_tube = tubes["tube"][tubes["positive"]][0]
    members = recalls["person"][recalls["tube"] == positive_tube]
    assert 3 in members and members.size == tubes["swabs"][tubes["positive"]][0]
    state = engine.state
    assert state.isolated_from[3] == 0                # isolated in place at the pool result
    assert state.pending_day[3] == 1                  # the individual retest reports next day
    assert ROUTES[state.pending_route[3]] == "community_screening"
    assert (state.pending_day[members[members != 3]] == NEVER).all()


def test_sealed_compounds_pool_one_tube_per_household(engine):
    people = np.arange(0, 200)
    engine.lab.collect(engine.rng_resp, day=0, people=people, pool=0,
                       population="controlled_population", route=0)
    tubes = engine.lab.tubes.arrays()
    households = np.unique(engine.territory.person_hh[people])
    assert tubes["tube"].size == households.size


def test_single_swab_tubes_name_the_person_and_report_directly(engine):
    infect(engine, 7, days_ago=3)
    engine.lab.collect(engine.rng_resp, day=0, people=np.array([5, 7]), pool=1,
                       population="quarantine", route=ROUTE["quarantine_testing"])
    tubes = engine.lab.tubes.arrays()
    assert tubes["person"].tolist() == [5, 7]
    assert engine.lab.recalls.rows == 0
    assert engine.state.pending_day[7] == engine.params.result_delay_days


def test_before_the_first_case_few_mild_illnesses_are_tested(engine):
    state = engine.state
    mild = np.arange(0, 2_000)
    state.present_day[mild] = 0
    state.severity[mild] = 0
    engine.lab.clinic(engine.rng_resp, day=0, alerted=False)
    assert engine.lab.totals[2] < 0.1 * mild.size
    engine.lab.clinic(engine.rng_resp, day=0, alerted=True)
    assert engine.lab.totals[2] > 0.9 * mild.size
