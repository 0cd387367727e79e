from __future__ import annotations

import numpy as np

from outbreakhq.simulate.engine import Config, Engine
from outbreakhq.simulate.support import REQUEST_KINDS


def test_sealed_households_ask_for_food_and_medicine_and_dialysis_every_second_day():
    engine = Engine(Config(population=10_000, days=1, seed=4))
    support, t = engine.support, engine.territory
    sealed = np.ones(t.compound_county.size, dtype=bool)
    active = np.ones(t.compound_county.max() + 1, dtype=bool)
    for day in range(4):
        support.day(engine.rng_sup, day=day, sealed_compound=sealed,
                    home_quarantined=np.zeros(0, dtype=np.int64), active_counties=active)
    requests = support.requests.arrays()
    kinds = [REQUEST_KINDS[k] for k in requests["kind"]]
    assert kinds.count("food") > kinds.count("medicine") > 0
    dialysis = requests["person"][requests["kind"] == REQUEST_KINDS.index("dialysis")]
    assert dialysis.size == 2 * support.dialysis.size


def test_travellers_are_stranded_when_their_county_comes_under_control(small_engine, small):
    stranded = small["stranded_travellers"]
    if stranded.num_rows == 0:
        return
    visitors = small_engine.territory.hh_visitor[small_engine.territory.person_hh]
    assert visitors[stranded["person"].to_numpy()].all()
    assert (stranded["planned_departure_date"].to_numpy()
            >= stranded["stranded_date"].to_numpy()).all()
