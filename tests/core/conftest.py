"""What the core tests share: the test territory (two prefectures, three counties, a second
jurisdiction tree), made afresh for each test."""

from __future__ import annotations

import pytest

from tests.factories import Territory, territory


@pytest.fixture
def land(db) -> Territory:
    return territory()
