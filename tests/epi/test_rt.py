"""Cori et al. (2013) as EpiEstim's estimate_R computes it: pure, no database."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outbreakhq.epi.rt import discr_si, estimate_r, overall_infectivity, split_incidence, windows


def test_the_default_windows_are_epiestims_two_to_t_minus_six():
    t_start, t_end = windows(20, 7)
    assert list(t_start) == list(range(2, 15))  # seq(2, T-6)
    assert list(t_end) == list(range(8, 21))  # seq(8, T)


def test_day_one_cases_are_imported_as_epiestim_assumes():
    local, imported = split_incidence([3, 4, 5])
    assert list(local) == [0, 4, 5] and list(imported) == [3, 0, 0]
    local, imported = split_incidence(local=[2, 1], imported=[1, 0])
    assert list(local) == [0, 1] and list(imported) == [3, 0]


def test_a_hand_checked_estimate_with_a_one_day_serial_interval():
    # w = (0, 1): everyone infects the next day, so Lambda_t = I_{t-1} (local + imported).
    # cases 2, 4, 6, 8 -> local 0, 4, 6, 8 and imported 2, 0, 0, 0; Lambda_2..4 = 2, 4, 6.
    # Window 2: t = 2..3 and 3..4. Prior mean 5 sd 5: shape a = 1, scale b = 5.
    # Window (2, 3): shape 1 + 4 + 6 = 11, scale 1 / (1/5 + 2 + 4) = 1/6.2
    #   mean = 11 / 6.2 = 1.774194, sd = sqrt(11) / 6.2 = 0.534939
    # Window (3, 4): shape 1 + 6 + 8 = 15, scale 1 / (0.2 + 4 + 6) = 1/10.2
    #   mean = 15 / 10.2 = 1.470588, sd = sqrt(15) / 10.2 = 0.379704
    found = estimate_r([2, 4, 6, 8], si_distr=[0, 1], window=2)
    assert [(e.t_start, e.t_end) for e in found] == [(2, 3), (3, 4)]
    assert found[0].mean == pytest.approx(1.774194, abs=1e-6)
    assert found[0].std == pytest.approx(0.534939, abs=1e-6)
    assert found[1].mean == pytest.approx(1.470588, abs=1e-6)
    assert found[1].std == pytest.approx(0.379704, abs=1e-6)
    # The median: qgamma(0.5, 15, scale = 1/10.2) = 1.43804 (about (15 - 1/3) / 10.2).
    assert found[1].median == pytest.approx(1.43804, abs=1e-5)
    assert found[1].lower < found[1].median < found[1].upper
    assert found[0].cases == 10 and found[1].cases == 14


def test_a_hand_checked_estimate_with_a_two_day_serial_interval_and_imports():
    # w = (0, 0.5, 0.5); local 0, 1, 2, 4 and imported 4, 0, 0, 0: totals 4, 1, 2, 4.
    # Lambda_2 = 0.5*4 = 2; Lambda_3 = 0.5*1 + 0.5*4 = 2.5; Lambda_4 = 0.5*2 + 0.5*1 = 1.5.
    # Mean SI = 1.5: every window end (>= 3) is after it. Window 3: t = 2..4.
    # Shape 1 + (1 + 2 + 4) = 8, scale 1 / (0.2 + 2 + 2.5 + 1.5) = 1/6.2: mean 1.290323.
    found = estimate_r(local=[0, 1, 2, 4], imported=[4, 0, 0, 0], si_distr=[0, .5, .5],
                       window=3)
    assert [(e.t_start, e.t_end) for e in found] == [(2, 4)]
    assert found[0].mean == pytest.approx(8 / 6.2)
    # Imported cases infect others but are never counted as infected locally.
    lam = overall_infectivity(np.array([4.0, 1, 2, 4]), np.array([0, .5, .5]))
    assert math.isnan(lam[0]) and list(lam[1:]) == [2.0, 2.5, 1.5]


def test_no_estimate_for_windows_ending_before_the_mean_serial_interval():
    # w all on day 5 (mean 5): windows ending on day 5 or before give nothing, as EpiEstim.
    si = [0, 0, 0, 0, 0, 1]
    found = estimate_r([1] * 10, si_distr=si, window=2)
    assert [e.t_end for e in found] == [6, 7, 8, 9, 10]


def test_discr_si_is_a_distribution_with_the_given_mean():
    w = discr_si(np.arange(60), 5.2, 2.3)
    assert w[0] == 0
    assert w.sum() == pytest.approx(1, abs=1e-6)
    assert (w * np.arange(60)).sum() == pytest.approx(5.2, abs=1e-4)
    with pytest.raises(ValueError, match="mean"):
        discr_si([0, 1], 1.0, 1.0)


def test_discr_si_matches_the_formula_by_hand_for_an_exponential():
    # mean 2, sd 1: a = (2-1)^2/1 = 1, b = 1/1 = 1, an exponential(1) shifted by one day.
    # k = 1: 1*F(1) + (-1)*F(-1) - 0 + 1*(2*F2(0) - F2(-1) - F2(1)) = F(1) - F2(1)
    #   with F(1) = 1 - e^-1 and F2 (gamma shape 2) (1) = 1 - 2e^-1: 1 - e^-1 - 1 + 2e^-1 = e^-1
    assert discr_si([1], 2, 1)[0] == pytest.approx(math.exp(-1))


def test_the_parametric_serial_interval_is_not_renormalised():
    # EpiEstim uses discr_si on days 0..T-1 as it is: the same estimate as passing it in.
    cases = [5, 6, 8, 9, 12, 14, 15, 20, 22, 25]
    w = discr_si(np.arange(len(cases)), 4.0, 2.0)
    a = estimate_r(cases, si_mean=4.0, si_sd=2.0)
    b = estimate_r(cases, si_distr=list(w / w.sum()))
    assert len(a) == len(b) == 3
    assert a[0].mean != pytest.approx(b[0].mean, rel=1e-9)  # the short tail is missing in a


def test_bad_serial_intervals_are_refused_with_a_reason():
    with pytest.raises(ValueError, match="day 0"):
        estimate_r([1, 2, 3], si_distr=[0.1, 0.9])
    with pytest.raises(ValueError, match="sum to 1"):
        estimate_r([1, 2, 3], si_distr=[0, 0.5])
    with pytest.raises(ValueError, match="mean and sd"):
        estimate_r([1, 2, 3])


counts = st.lists(st.integers(0, 200), min_size=10, max_size=30)


@settings(max_examples=50, deadline=None)
@given(counts, st.integers(0, 9), st.integers(1, 50))
def test_more_cases_in_a_window_raise_r(cases, day, extra):
    # Adding cases on the last day of the series raises the last window's estimate (more on
    # the numerator, the same infectiousness before it).
    before = estimate_r(cases, si_mean=4.0, si_sd=2.0)
    more = list(cases)
    more[-1] += extra
    after = estimate_r(more, si_mean=4.0, si_sd=2.0)
    assert after[-1].mean > before[-1].mean


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 20), st.floats(1.05, 1.3))
def test_a_longer_serial_interval_raises_r_for_a_growing_epidemic(start, growth):
    cases = [round(start * growth ** t) for t in range(40)]
    short = estimate_r(cases, si_mean=3.0, si_sd=1.5)
    long = estimate_r(cases, si_mean=7.0, si_sd=1.5)
    assert long[-1].mean > short[-1].mean
