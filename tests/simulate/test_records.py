from __future__ import annotations

import numpy as np
import pytest

from outbreakhq.simulate.records import Columns


def test_chunks_join_into_columns_and_scalars_broadcast():
    table = Columns(day=np.int32, person=np.int32)
    table.append(day=3, person=np.array([1, 2]))
    table.append(day=np.array([4]), person=np.array([7]))
    table.append(day=5, person=np.array([], dtype=np.int32))
    arrays = table.arrays()
    assert arrays["day"].tolist() == [3, 3, 4] and arrays["person"].tolist() == [1, 2, 7]
    assert table.rows == 3


def test_columns_of_different_lengths_are_refused():
    table = Columns(a=np.int8, b=np.int8)
    with pytest.raises(ValueError, match="different lengths"):
        table.append(a=np.array([1, 2]), b=np.array([1]))
