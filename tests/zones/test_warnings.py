"""The early-warning and stay rules (zones/warnings.py): pure, no database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from outbreakhq.zones import warnings as w

D = date(2022, 8, 10)


def day(n: int) -> date:
    return D + timedelta(days=n)


def test_a_case_with_no_fact_has_no_known_source():
    assert w.known_source({}) is None
    assert w.known_source(dict.fromkeys(w.KNOWN_SOURCE_FACTS, False)) is None


@pytest.mark.parametrize("fact", w.KNOWN_SOURCE_FACTS)
def test_each_fact_makes_the_source_known(fact):
    assert w.known_source({fact: True}) == fact


def test_the_first_fact_found_is_the_reason():
    assert w.known_source({"exposure": True, "source_case": True}) == "source_case"


def rounds(*figures: tuple[int, int]) -> list[w.RoundFigure]:
    return [w.RoundFigure(day(i), tubes, positive) for i, (tubes, positive) in
            enumerate(figures)]


@pytest.mark.parametrize(("figures", "rising"), [
    (((100, 1), (100, 2), (100, 3)), True),          # 1 %, 2 %, 3 %
    (((100, 1), (100, 2), (100, 2)), False),         # flat at the end: not strictly
    (((100, 2), (100, 1), (100, 3)), False),         # a dip
    (((100, 1), (100, 2)), False),                   # two rounds: too few
    (((1000, 0), (1000, 1), (1000, 2)), False),      # rising but 0.2 % < 0.5 %
    (((200, 1), (100, 1), (50, 1)), True),           # the shares rise, not the counts
    (((100, 1), (0, 0), (100, 2), (100, 3)), True),  # a round without tubes says nothing
    (((100, 9), (100, 1), (100, 2), (100, 3)), True),  # only the last three count
])
def test_positivity_rising_over_the_last_rounds(figures, rising):
    assert w.positivity_rising(rounds(*figures), count=3, min_positivity=0.005) is rising


def visit(date_from, date_to=None, hours=None, *, onset=None, sampling=None, report=None):
    return w.Visit(date_from, date_to or date_from, hours, onset, sampling, report or day(0))


def test_a_long_enough_visit_in_the_infectious_period_is_a_stay_on_its_last_day():
    # Onset day -2, look-back 2 days: infectious from day -4 to the report on day 0.
    v = visit(day(-3), day(-1), onset=day(-2))
    assert w.stay_day(v, lookback_days=2, min_hours=2) == day(-1)
    assert w.stay_day(visit(day(-3), hours=3, onset=day(-2)), lookback_days=2,
                      min_hours=2) == day(-3)


def test_a_visit_before_the_infectious_period_is_no_stay():
    assert w.stay_day(visit(day(-6), day(-5), onset=day(-2)), lookback_days=2,
                      min_hours=2) is None
    # Overlapping its first day is enough.
    assert w.stay_day(visit(day(-6), day(-4), onset=day(-2)), lookback_days=2,
                      min_hours=2) == day(-4)


def test_a_short_visit_is_no_stay_but_an_unknown_duration_is():
    assert w.stay_day(visit(day(-1), hours=1, onset=day(-2)), lookback_days=2,
                      min_hours=2) is None
    assert w.stay_day(visit(day(-1), onset=day(-2)), lookback_days=2, min_hours=2) == day(-1)
    # Several days always are, whatever the hours say.
    assert w.stay_day(visit(day(-2), day(-1), 1, onset=day(-2)), lookback_days=2,
                      min_hours=2) == day(-1)


def test_without_symptoms_the_period_counts_from_sampling_else_from_the_report():
    assert w.infectious_period(visit(day(-1), sampling=day(-1)), lookback_days=2) == (
        day(-3), day(0))
    assert w.infectious_period(visit(day(-1)), lookback_days=2) == (day(-2), day(0))


def test_tested_share_counts_tests_within_the_window_ending_today():
    tests = [day(0), day(-1), day(-2), None]
    assert w.tested_share(tests, every_days=1, today=day(0)) == (1, 4)
    assert w.tested_share(tests, every_days=2, today=day(0)) == (2, 4)
    assert w.tested_share(tests, every_days=3, today=day(0)) == (3, 4)
    assert w.tested_share(tests, every_days=0, today=day(0)) == (0, 0)
    assert w.tested_share([], every_days=1, today=day(0)) == (0, 0)
