from __future__ import annotations

import numpy as np
import pytest

from outbreakhq.simulate import pathogen


def test_ba5_preset_has_the_published_means():
    ba5 = pathogen.load("omicron-ba5")
    assert ba5.gi_mean == pytest.approx(2.8)
    assert ba5.incubation_mean == pytest.approx(3.0)
    assert 0 < ba5.asymptomatic_share < 1


def test_daily_generation_pmf_sums_to_one_and_keeps_the_mean():
    ba5 = pathogen.load()
    pmf = ba5.generation_pmf
    assert pmf[0] == 0
    assert pmf.sum() == pytest.approx(1.0)
    # Rounding to whole days moves the mean by well under a tenth of a day.
    assert ba5.generation_mean_days == pytest.approx(ba5.gi_mean, abs=0.1)


def test_incubation_draws_match_the_preset_mean():
    ba5 = pathogen.load()
    days = ba5.draw_incubation_days(np.random.default_rng(1), size=100_000)
    assert days.min() >= 1
    assert days.mean() == pytest.approx(ba5.incubation_mean, abs=0.05)


def test_severity_rises_with_age():
    ba5 = pathogen.load()
    rng = np.random.default_rng(2)
    young = ba5.draw_severity(rng, ages=np.full(200_000, 30))
    old = ba5.draw_severity(rng, ages=np.full(200_000, 85))
    assert (old >= 2).mean() > 5 * (young >= 2).mean()


def test_unknown_pathogen_is_refused_with_the_list():
    with pytest.raises(pathogen.PathogenError, match="omicron-ba5"):
        pathogen.load("smallpox")
