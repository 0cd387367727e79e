"""Pooling maths: Dorfman, nested pools, the 2-D matrix and the entropy bound."""

from __future__ import annotations

import json
import math

import pytest

from outbreakhq.epi import pooling, pooling_cli


def test_dorfman_matches_the_textbook_formula():
    p, k = 0.01, 10
    assert pooling.dorfman(p, k) == pytest.approx(1 / k + 1 - (1 - p) ** k)
    assert pooling.dorfman(p, 1) == 1.0


def test_the_classic_dorfman_optimum_at_one_percent_is_pools_of_eleven():
    assert pooling.best_dorfman(0.01, 50) == 11
    assert pooling.dorfman(0.01, 11) == pytest.approx(0.1956, abs=1e-4)


def test_nested_pools_add_one_stage_per_positive_parent():
    p, q = 0.02, 0.98
    assert pooling.nested(p, (20, 5, 1)) == pytest.approx(
        1 / 20 + (1 - q ** 20) / 5 + (1 - q ** 5) / 1)
    assert pooling.nested(p, (10, 1)) == pytest.approx(pooling.dorfman(p, 10))
    with pytest.raises(ValueError):
        pooling.nested(p, (5, 10, 1))


def test_a_matrix_retests_only_where_a_positive_row_meets_a_positive_column():
    p, r, c = 0.01, 8, 12
    q = 1 - p
    expected = (r + c) / (r * c) + 1 - q ** c - q ** r + q ** (r + c - 1)
    assert pooling.matrix(p, r, c) == pytest.approx(expected)


def test_the_entropy_bound_is_the_binary_entropy():
    assert pooling.entropy_bound(0.5) == pytest.approx(1.0)
    p = 0.0005
    assert pooling.entropy_bound(p) == pytest.approx(-p * math.log2(p) - (1 - p) * math.log2(1 - p))


@pytest.mark.parametrize("p", [0.0005, 0.005, 0.05, 0.2])
@pytest.mark.parametrize("k", [1, 5, 10, 20])
def test_no_design_beats_the_bound_nor_exceeds_the_largest_pool(p, k):
    rows = pooling.designs(p, k)
    assert all(d.largest_pool <= k for d in rows)
    assert all(d.ratio_to_entropy_bound >= 1 for d in rows)
    best_nested = pooling.nested(p, pooling.best_nested(p, k)) if k > 1 else 1.0
    assert rows[0].tests_per_person <= best_nested + 1e-12


def test_prevalence_outside_zero_and_one_is_refused():
    for p in (0, 1, -0.1):
        with pytest.raises(ValueError):
            pooling.designs(p, 10)


def test_the_command_prints_the_four_columns_in_csv_and_json():
    text = pooling_cli.run({"prevalence": 0.0005, "max_pool": 20, "format": "csv"})
    lines = text.splitlines()
    assert lines[0] == "design,pool_sizes,tests_per_person,ratio_to_entropy_bound"
    assert {line.split(",")[0] for line in lines[1:]} >= {"individual", "dorfman", "nested"}
    rows = json.loads(pooling_cli.run({"prevalence": 0.05, "max_pool": 10, "format": "json"}))
    assert set(rows[0]) == set(pooling_cli.COLUMNS)
