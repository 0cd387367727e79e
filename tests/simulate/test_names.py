from __future__ import annotations

import numpy as np

from outbreakhq.simulate.names import area_names, person_names


def test_area_names_say_the_same_in_english_and_chinese():
    english, chinese = area_names(np.random.default_rng(1), level="county", count=20)
    assert all(name.endswith(" County") for name in english)
    assert all(name.endswith("县") and len(name) == 3 for name in chinese)


def test_person_names_are_two_or_three_chinese_characters():
    names = person_names(np.random.default_rng(2), count=1_000)
    assert {len(str(n)) for n in names} <= {2, 3}
