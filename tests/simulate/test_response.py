from __future__ import annotations

import numpy as np
import pytest

from outbreakhq import protocols
from outbreakhq.simulate.response import CENTRALISED, HOME, Grading, ResponseParams
from outbreakhq.simulate.territory import generate


@pytest.fixture(scope="module")
def territory():
    return generate(population=20_000, seed=np.random.SeedSequence(2))


def cn(**overrides) -> ResponseParams:
    return ResponseParams.from_protocol(protocols.load("cn-9th-edition", overrides or None))


def test_rules_come_from_the_protocol_preset():
    params = cn()
    assert params.close_contact.quarantine_days == 7
    assert params.close_contact.setting == CENTRALISED
    assert params.close_contact.stay_days == 10
    assert params.close_contact.test_days == (1, 2, 3, 5, 7, 10)
    assert params.secondary_contact.setting == HOME
    assert params.pool_sealed == 0 and params.pool_other == 10 and params.pool_quarantine == 1
    assert params.result_delay_days == 0  # 8 h collection + 4 + 6 h: same day
    assert [g.measure for g in params.grades] == ["sealed", "controlled", "protected"]


def test_an_override_changes_what_the_simulator_runs():
    params = cn(**{"people.close_contact.quarantine_days": 10,
                   "people.close_contact.test_days": [1, 4, 7, 10, 13],
                   "people.close_contact.followup_days": 13})
    assert params.close_contact.stay_days == 13


def test_who_generic_runs_without_mass_screening():
    params = ResponseParams.from_protocol(protocols.load("who-generic"))
    assert not params.mass_screening
    assert params.grading_unit == "county"
    assert params.close_contact.setting == HOME


def test_a_case_seals_its_compound_and_rings_its_county_in_low(territory):
    grading = Grading(params=cn(), territory=territory)
    grading.designate(day=0, compounds=np.array([0]), grade=0)
    grade = grading.compound_grade()
    assert grade[0] == 0
    same_county = territory.compound_county == territory.compound_county[0]
    assert (grade[same_county][1:] == 2).all()  # low risk: the rest of the county
    assert (grade[~same_county] == 3).all()      # routine elsewhere


def test_high_steps_down_after_seven_case_free_days_then_low_after_three(territory):
    grading = Grading(params=cn(), territory=territory)
    grading.designate(day=0, compounds=np.array([0]), grade=0)
    for day in range(1, 7):
        grading.step_down(day=day)
    assert grading.compound_grade()[0] == 0
    grading.step_down(day=7)
    assert grading.compound_grade()[0] == 1  # medium
    for day in range(8, 10):
        grading.step_down(day=day)
    assert grading.compound_grade()[0] == 1
    grading.step_down(day=10)  # 3 more case-free days after stepping down from high
    assert (grading.compound_grade() == 3).all()  # county back to routine


def test_a_new_case_restarts_the_clock(territory):
    grading = Grading(params=cn(), territory=territory)
    grading.designate(day=0, compounds=np.array([0]), grade=0)
    grading.designate(day=5, compounds=np.array([0]), grade=0)
    for day in range(1, 12):
        grading.step_down(day=day)
    assert grading.compound_grade()[0] == 0
    grading.step_down(day=12)
    assert grading.compound_grade()[0] == 1


def test_sealed_compounds_mix_only_at_home(territory):
    grading = Grading(params=cn(), territory=territory)
    grading.designate(day=0, compounds=np.array([0]), grade=0)
    mixing = grading.compound_mixing()
    assert mixing[0, 0] == 1.0 and mixing[0, 2:].max() == 0.0


def test_without_extension_a_new_case_does_not_restart_the_clock(territory):
    grading = Grading(params=cn(**{"grading.extend_on_new_infection": False}),
                      territory=territory)
    grading.designate(day=0, compounds=np.array([0]), grade=0)
    grading.designate(day=5, compounds=np.array([0]), grade=0)
    for day in range(1, 8):
        grading.step_down(day=day)
    assert grading.compound_grade()[0] == 1


def test_a_buffer_ring_grades_the_rest_of_the_community(territory):
    params = cn(**{"grading.buffer_ring": True, "grading.buffer_ring_grade": "medium"})
    assert params.buffer_ring_grade == 1
    grading = Grading(params=params, territory=territory)
    grading.designate_ring(day=0, compounds=np.array([0]))
    grading.designate(day=0, compounds=np.array([0]), grade=0)
    grade = grading.compound_grade()
    community = territory.compound_community == territory.compound_community[0]
    assert grade[0] == 0 and (grade[community][1:] == 1).all()


def test_protocol_switches_for_pools_and_look_back_are_read():
    assert cn().isolate_positive_pools and not cn().anchor_on_result
    params = cn(**{"screening.positive_pool_action": "retest_individually",
                   "tracing.asymptomatic_anchor": "first_positive_result"})
    assert not params.isolate_positive_pools and params.anchor_on_result
