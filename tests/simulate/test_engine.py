from __future__ import annotations

import numpy as np
import pytest

from outbreakhq.simulate.engine import Config, simulate


@pytest.fixture(scope="module")
def pair():
    """The same outbreak (same seed, territory and seed infections) with and without response."""
    base = {"population": 60_000, "days": 60, "seed": 21, "r0": 3.0}
    return simulate(Config(**base, respond=True)), simulate(Config(**base, respond=False))


def test_the_response_makes_the_epidemic_peak_earlier_and_smaller(pair):
    with_response, without = (s["daily"]["new_infections"].to_numpy() for s in pair)
    assert with_response.argmax() < without.argmax()
    assert with_response.max() < 0.5 * without.max()
    assert with_response.sum() < 0.5 * without.sum()


def test_without_response_nothing_is_detected(pair):
    _, without = pair
    assert without["cases"].num_rows == 0 and without["tubes"].num_rows == 0


def test_the_same_seed_gives_identical_tables(small):
    again = simulate(Config(population=20_000, days=40, seed=11, r0=3.0))
    for name, table in small.tables.items():
        assert table.equals(again[name]), name


def test_a_different_seed_gives_a_different_scenario(small):
    other = simulate(Config(population=20_000, days=40, seed=12, r0=3.0))
    assert not small["persons"].equals(other["persons"])
    assert not small["infections"].equals(other["infections"])


def test_cases_are_found_by_every_main_route(small):
    routes = set(small["cases"].column("route").to_pylist())
    assert {"clinic", "contact_tracing", "community_screening"} <= routes


def test_the_daily_summary_adds_up(small):
    daily = small["daily"]
    assert daily.num_rows == 40
    settings = small["infections"]["setting"].to_numpy(zero_copy_only=False)
    # Seeds and inbound travellers were infected outside the territory: not new infections.
    transmitted = int(np.isin(settings, ["seed", "inbound"], invert=True).sum())
    assert int(daily["new_infections"].to_numpy().sum()) == transmitted
    assert int(daily["new_cases"].to_numpy().sum()) == small["cases"].num_rows
    assert int(daily["tubes"].to_numpy().sum()) == small["tubes"].num_rows
