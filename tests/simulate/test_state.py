from __future__ import annotations

import numpy as np

from outbreakhq.simulate import pathogen
from outbreakhq.simulate.state import NEVER, State


def test_infection_draws_the_whole_course_at_once():
    state, ba5 = State(50_000), pathogen.load()
    people = np.arange(50_000)
    state.infect(np.random.default_rng(1), people=people, day=0, infector=-1, setting=5,
                 pathogen=ba5, ages=np.full(50_000, 40), presentation=0.5,
                 presentation_delay_mean=1.0)
    symptomatic = state.onset != NEVER
    assert abs(symptomatic.mean() - (1 - ba5.asymptomatic_share)) < 0.01
    assert (state.rel_inf[~symptomatic] == ba5.asymptomatic_relative_infectiousness).all()
    assert (state.present_day[~symptomatic] == NEVER).all()
    presents = state.present_day != NEVER
    assert (state.present_day[presents] >= state.onset[presents]).all()
    assert 0.45 < presents[symptomatic].mean() < 0.6


def test_the_earliest_pending_result_wins_and_cases_are_left_alone():
    state = State(10)
    state.report_later(people=np.array([1, 2]), report_day=5, sample_day=4, route=0)
    state.report_later(people=np.array([1]), report_day=3, sample_day=3, route=3)
    state.report_later(people=np.array([2]), report_day=7, sample_day=6, route=3)
    assert state.pending_day[[1, 2]].tolist() == [3, 5]
    assert state.pending_route[[1, 2]].tolist() == [3, 0]
    state.case_id[4] = 0
    state.report_later(people=np.array([4]), report_day=1, sample_day=1, route=0)
    assert state.pending_day[4] == NEVER


def test_isolated_people_stop_being_infectious():
    state = State(3)
    state.inf_day[:] = 0
    state.isolated_from[1] = 2
    assert state.infectious(day=2, max_days=14).tolist() == [0, 2]
    assert state.infectious(day=15, max_days=14).size == 0
