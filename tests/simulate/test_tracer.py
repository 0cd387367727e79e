from __future__ import annotations

import numpy as np
import pytest

from outbreakhq.simulate.engine import Config, Engine
from outbreakhq.simulate.response import CENTRALISED, HOME, NONE
from outbreakhq.simulate.tracer import CLOSE, CONTACT_TYPES, SECONDARY, expand


@pytest.fixture
def engine() -> Engine:
    return Engine(Config(population=8_000, days=1, seed=2))


def make_case(engine: Engine, person: int) -> None:
    state = engine.state
    state.case_id[person] = 0
    state.pending_sample[person] = 0
    state.inf_day[person] = -3


def test_expand_lists_every_member_of_each_range():
    owner, member = expand(np.array([10, 20]), np.array([2, 3]))
    assert owner.tolist() == [0, 0, 1, 1, 1] and member.tolist() == [10, 11, 20, 21, 22]


def test_household_members_become_close_contacts_in_centralised_quarantine(engine):
    t = engine.territory
    household = int(np.flatnonzero(t.hh_size >= 3)[0])
    case = int(t.hh_start[household])
    make_case(engine, case)
    engine.tracer.investigate(engine.rng_resp, day=0, cases=np.array([case]))
    contacts = engine.tracer.contacts.arrays()
    housemates = set(range(case + 1, case + int(t.hh_size[household])))
    listed = contacts["person"][(contacts["type"] == CONTACT_TYPES.index("household"))
                                & (contacts["category"] == 0)]
    assert housemates <= set(listed.tolist())
    assert (engine.state.quar_rule[list(housemates)] == CLOSE).all()
    assert (engine.state.quar_start[list(housemates)] == 1).all()  # day 1 is tomorrow
    people, kind, stay_day, _ = engine.tracer.status(day=1)
    assert (kind[np.isin(people, list(housemates))] == CENTRALISED).all()


def test_households_of_close_contacts_go_home_as_contacts_of_contacts(engine):
    t = engine.territory
    worker = int(np.flatnonzero(t.place_group >= 0)[0])
    make_case(engine, worker)
    engine.tracer.investigate(engine.rng_resp, day=0, cases=np.array([worker]))
    contacts = engine.tracer.contacts.arrays()
    secondary = contacts["person"][contacts["category"] == 1]
    assert secondary.size > 0
    # Each is home-quarantined as a contact of a contact, unless already a close contact.
    assert set(engine.state.quar_rule[secondary].tolist()) <= {SECONDARY, CLOSE}
    assert (engine.state.quar_rule[secondary] == SECONDARY).any()
    assert engine.tracer.rules[SECONDARY - 1].setting == HOME


def test_a_stay_moves_to_home_monitoring_then_ends(engine):
    person = np.array([42])
    engine.tracer.quarantine(people=person, rule_value=CLOSE, start=1)
    kinds = {day: engine.tracer.status(day=day)[1] for day in (0, 1, 7, 8, 10)}
    assert kinds[0].tolist() == [NONE] and kinds[1].tolist() == [CENTRALISED]
    assert kinds[7].tolist() == [CENTRALISED] and kinds[8].tolist() == [HOME]
    assert kinds[10].tolist() == [HOME]
    assert engine.tracer.status(day=11)[0].size == 0
    assert engine.state.quar_rule[42] == 0
