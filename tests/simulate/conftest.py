"""Shared scenarios for the simulator tests: small, built once per session, no database."""

from __future__ import annotations

import pytest

from outbreakhq.simulate.engine import Config, Engine
from outbreakhq.simulate.output import Scenario

SMALL = Config(population=20_000, days=40, seed=11, r0=3.0)


@pytest.fixture(scope="session")
def small_engine() -> Engine:
    engine = Engine(SMALL)
    engine.scenario = engine.run()
    return engine


@pytest.fixture(scope="session")
def small(small_engine: Engine) -> Scenario:
    return small_engine.scenario
