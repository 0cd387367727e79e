from __future__ import annotations

import numpy as np

from outbreakhq.simulate.places import PLACE_TYPES, SPECS
from outbreakhq.simulate.territory import generate


def test_every_place_type_has_a_spec_and_groups_are_small():
    assert [s.type for s in SPECS] == list(PLACE_TYPES)
    territory = generate(population=30_000, seed=np.random.SeedSequence(8))
    sizes = np.bincount(territory.place_group[territory.place_group >= 0])
    assert sizes.max() <= max(s.group_size for s in SPECS)


def test_a_person_belongs_to_at_most_one_place_and_visitors_to_none():
    territory = generate(population=30_000, seed=np.random.SeedSequence(9))
    visitors = territory.hh_visitor[territory.person_hh]
    assert (territory.place_group[visitors] == -1).all()
    assert territory.place_group.ndim == 1
