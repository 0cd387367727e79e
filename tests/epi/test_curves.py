"""Doubling time, positivity, share under control, epidemic curves: pure functions."""

from __future__ import annotations

import math
from datetime import date

import pytest

from outbreakhq.epi.curves import (
    daily_series,
    doubling_time,
    epidemic_curve,
    positivity,
    share_under_control,
)


def test_a_series_doubling_every_three_days_has_a_doubling_time_of_three():
    counts = [round(100 * 2 ** (t / 3)) for t in range(21)]
    found = doubling_time(counts)
    assert found.days == pytest.approx(3, rel=0.02)
    assert found.lower <= found.days <= found.upper
    assert found.growing


def test_a_shrinking_series_gives_a_negative_halving_time():
    counts = [round(1000 * 0.5 ** (t / 4)) for t in range(14)]
    assert doubling_time(counts).days == pytest.approx(-4, rel=0.05)


def test_a_flat_noisy_series_has_an_open_interval():
    found = doubling_time([10, 12, 9, 11, 10, 12, 9])
    assert math.isinf(found.upper) or math.isinf(found.lower)


def test_too_few_days_give_no_doubling_time():
    assert doubling_time([1, 2]) is None
    assert doubling_time([0, 0, 0, 0]) is None


def test_positivity_and_share_under_control():
    assert positivity(5, 200) == 0.025
    assert positivity(0, 0) is None
    assert share_under_control(9, 10) == 0.9
    assert share_under_control(0, 0) is None
    with pytest.raises(ValueError):
        share_under_control(3, 2)


def test_an_epidemic_curve_fills_days_without_cases_with_zero():
    d = date(2026, 3, 1)
    rows = [(d, "clinic", 2), (date(2026, 3, 3), "clinic", 1), (d, "inbound", 4)]
    curve = epidemic_curve(rows, d, date(2026, 3, 3), by=1)
    assert curve == {"clinic": [2, 0, 1], "inbound": [4, 0, 0]}
    assert epidemic_curve(rows, d, date(2026, 3, 3)) == {"": [6, 0, 1]}
    assert daily_series([], d, d) == [0]
