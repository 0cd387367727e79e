"""Statistical tests of the transmission engine against the pathogen preset and theory.

The runs use one well-mixed setting (region-wide travel only): there the renewal equation holds
exactly, so any gap to theory is the engine's. In the structured default, households fill up
(an infected household member cannot be infected again), which lowers the realised growth a
little below the Euler-Lotka rate for the nominal R0: a property of household models, not a bug.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from outbreakhq.simulate.engine import Config, Engine
from outbreakhq.simulate.state import INBOUND, NEVER, SEED
from outbreakhq.simulate.transmission import TransmissionParams, expected_infections

WELL_MIXED = (0.0, 0.0, 0.0, 0.0, 1.0)
R0 = 2.0


@pytest.fixture(scope="module")
def mixed() -> Engine:
    tx = TransmissionParams(r0=R0, shares=WELL_MIXED, seeds=100)
    engine = Engine(Config(population=300_000, days=24, seed=3, r0=R0, respond=False,
                           transmission=tx))
    engine.scenario = engine.run()
    return engine


def _early_pairs(engine: Engine, *, last_day: int) -> tuple[np.ndarray, np.ndarray]:
    """(infectee, infector) pairs whose infector was infected on days 1..last_day.

    Seeds are left out (their transmission before day 0 is not simulated, which would cut their
    generation intervals short); late infectors are left out because the run ends before their
    infectiousness does."""
    state = engine.state
    infectee = np.flatnonzero(state.infector >= 0)
    infector = state.infector[infectee]
    day = state.inf_day[infector]
    keep = (day >= 1) & (day <= last_day)
    return infectee[keep], infector[keep]


def test_realised_generation_interval_matches_the_preset(mixed):
    infectee, infector = _early_pairs(mixed, last_day=10)
    gi = mixed.state.inf_day[infectee] - mixed.state.inf_day[infector]
    se = gi.std() / np.sqrt(gi.size)
    # About 5,000 pairs with SD 1.4 days: SE about 0.02 days. 0.1 days (5 SE) also covers the
    # slight shortening of forward intervals as about 10 % of people are infected by day 24.
    assert gi.size > 3_000 and se < 0.03
    assert gi.mean() == pytest.approx(mixed.pathogen.generation_mean_days, abs=0.1)


def test_realised_serial_interval_matches_the_preset(mixed):
    infectee, infector = _early_pairs(mixed, last_day=10)
    onset = mixed.state.onset
    both = (onset[infectee] != NEVER) & (onset[infector] != NEVER)
    si = onset[infectee[both]] - onset[infector[both]]
    p = mixed.pathogen
    # Independent incubation periods: same mean as the generation interval, wider spread.
    expected_sd = np.sqrt(p.gi_sd**2 + 2 * p.incubation_sd**2)
    # About 2,700 symptomatic pairs with SD 2.3 days: SE 0.045 days; 0.2 days is 4.5 SE.
    assert si.mean() == pytest.approx(2.8, abs=0.2)
    assert si.std() == pytest.approx(expected_sd, rel=0.15)
    assert (si < 0).any()  # pre-symptomatic transmission happens, as for Omicron


def euler_lotka_rate(r0: float, w: np.ndarray) -> float:
    """Root r of 1 = R0 * sum_k w_k exp(-r k) for a daily generation-interval distribution."""
    days = np.arange(w.size)
    return brentq(lambda r: r0 * np.sum(w * np.exp(-r * days)) - 1.0, -1.0, 5.0)


def test_early_growth_rate_matches_euler_lotka(mixed):
    incidence = mixed.scenario["daily"]["new_infections"].to_numpy().astype(float)
    cumulative = np.cumsum(incidence) / mixed.territory.population
    # Fit from the day incidence passes 100 (Poisson noise under 10 %) until 5 % are infected
    # (depletion still under 5 %, which would bend the curve).
    window = np.flatnonzero((incidence >= 100) & (cumulative <= 0.05))
    assert window.size >= 6
    rate = np.polyfit(window, np.log(incidence[window]), 1)[0]
    theory = euler_lotka_rate(R0, mixed.pathogen.generation_pmf)
    # Tolerance 10 %: binomial noise over the window gives about 2 %; daily discretisation of
    # infection (1 - exp(-hazard)) and the first 5 % of depletion lower the rate by up to 5 %.
    assert rate == pytest.approx(theory, rel=0.10)


def test_structured_default_follows_the_renewal_equation_of_its_realised_r():
    engine = Engine(Config(population=200_000, days=30, seed=7, r0=R0, respond=False))
    scenario, state = engine.run(), engine.state
    incidence = scenario["daily"]["new_infections"].to_numpy().astype(float)
    window = np.flatnonzero((incidence >= 50) & (np.cumsum(incidence) <= 0.05 * state.n))
    rate = np.polyfit(window, np.log(incidence[window]), 1)[0]
    # Offspring of the people infected early in the window (their infectiousness is over
    # 10 days before the window ends): the realised reproduction number and generation interval.
    cohort = np.flatnonzero((state.inf_day >= window[0]) & (state.inf_day <= window[-1] - 10))
    offspring = np.bincount(state.infector[state.infector >= 0], minlength=state.n)[cohort]
    infectees = np.flatnonzero(np.isin(state.infector, cohort))
    gi = state.inf_day[infectees] - state.inf_day[state.infector[infectees]]
    realised = euler_lotka_rate(offspring.mean(), np.bincount(gi, minlength=15) / gi.size)
    # About 500 infectors: the realised R carries about 5 % noise, hence 10 %.
    assert rate == pytest.approx(realised, rel=0.10)
    # Households fill up after the first generation: the realised R, and so the growth, fall
    # a little below the nominal R0's (0.73-0.99 of it over seeds 4-11).
    nominal = euler_lotka_rate(R0, engine.pathogen.generation_pmf)
    assert 0.7 * nominal < rate < 1.05 * nominal


def test_infectors_share_the_setting_they_infected_in(small_engine):
    state, t = small_engine.state, small_engine.territory
    infectee = np.flatnonzero(state.infector >= 0)
    infector = state.infector[infectee]
    setting = state.setting[infectee]
    home = setting == 0
    assert (t.person_hh[infectee[home]] == t.person_hh[infector[home]]).all()
    at_place = setting == 2
    assert (t.place_group[infectee[at_place]] == t.place_group[infector[at_place]]).all()
    assert (state.inf_day[infectee] > state.inf_day[infector]).all()
    unlinked = (state.infector < 0) & (state.inf_day != NEVER)
    assert set(state.setting[unlinked].tolist()) <= {SEED, INBOUND}


def test_betas_make_a_random_case_cause_r0_infections_in_a_susceptible_population():
    engine = Engine(Config(population=50_000, days=1, seed=9, r0=2.5))
    tx, t = engine.transmission, engine.territory
    total = 0.0
    for s, group in enumerate(tx.groups):
        size = np.bincount(group[group >= 0])
        others, counts = np.unique(size[group[group >= 0]] - 1, return_counts=True)
        keep = others >= 1
        total += expected_infections(tx.beta[s], others=others[keep], counts=counts[keep],
                                     population=t.population, pathogen=engine.pathogen)
    assert total == pytest.approx(2.5, rel=1e-6)
    # Small households fill up, so their beta exceeds the share it must produce.
    assert tx.beta[0] > 2.5 * 0.35


def test_an_r0_beyond_what_households_can_hold_is_refused():
    with pytest.raises(ValueError, match="R0 too high for the household share"):
        Engine(Config(population=5_000, days=1, seed=1, r0=9.0))
