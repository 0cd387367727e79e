"""Pooled testing designs: expected tests per person at prevalence p (pure, no Django).

Every design assumes a perfect assay and independent infections (the textbook model):

- individual: one test per person;
- Dorfman (two stages, pool of k): 1/k + 1 - q^k with q = 1 - p (the pool is tested, every
  member of a positive pool is retested alone);
- nested (hierarchical) pools k1 > k2 > ... > 1, each dividing the one before: a sub-pool is
  tested when its parent pool is positive, so 1/k1 + sum_i (1/k_i)(1 - q^k_{i-1}); Dorfman is
  the two-stage case;
- a 2-D matrix of r rows and c columns: r + c pools, and every person whose row and column are
  both positive is retested alone: (r + c)/(r c) + 1 - q^c - q^r + q^(r + c - 1);
- the information bound: no design can use fewer than H(p) = -p log2 p - (1-p) log2 (1-p)
  tests per person; `ratio_to_entropy_bound` is tests per person / H(p) (1 is the ideal).

`designs(p, max_pool)` lists the best design of each family with no pool larger than max_pool.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

MAX_STAGES = 4


def entropy_bound(p: float) -> float:
    """H(p) in bits: the fewest tests per person any design can average."""
    _check(p)
    return -p * math.log2(p) - (1 - p) * math.log2(1 - p)


def dorfman(p: float, k: int) -> float:
    """Expected tests per person of Dorfman pooling with pools of k (k = 1: individual)."""
    return nested(p, (k, 1)) if k > 1 else 1.0


def nested(p: float, sizes: tuple[int, ...]) -> float:
    """Expected tests per person of nested pools `sizes` (decreasing, ending in 1)."""
    _check(p)
    if not sizes or sizes[-1] != 1 or any(a <= b for a, b in zip(sizes, sizes[1:], strict=False)):
        raise ValueError(f"pool sizes must decrease to 1: {sizes}")
    q = 1 - p
    tests = 1 / sizes[0]
    for parent, child in zip(sizes, sizes[1:], strict=False):
        tests += (1 - q ** parent) / child
    return tests


def nested_recalls(p: float, sizes: tuple[int, ...]) -> float:
    """Share of people retested alone (the last stage): positive last pool before 1."""
    return 1 - (1 - p) ** sizes[-2] if len(sizes) > 1 else 0.0


def matrix(p: float, rows: int, cols: int) -> float:
    """Expected tests per person of an r x c matrix (pools of c by row, of r by column)."""
    _check(p)
    q = 1 - p
    return (rows + cols) / (rows * cols) + 1 - q ** cols - q ** rows + q ** (rows + cols - 1)


def matrix_recalls(p: float, rows: int, cols: int) -> float:
    q = 1 - p
    return 1 - q ** cols - q ** rows + q ** (rows + cols - 1)


@dataclass(frozen=True)
class Design:
    design: str  # individual, dorfman, nested, matrix
    pool_sizes: str  # "10,1", "20,5,1", "10x10", "1"
    tests_per_person: float
    ratio_to_entropy_bound: float
    recalls_per_person: float
    largest_pool: int


@cache
def _chains(top: int, stages: int) -> tuple[tuple[int, ...], ...]:
    """Decreasing chains of divisors from `top` down to 1, at most `stages` long."""
    if top == 1:
        return ((1,),)
    if stages <= 1:
        return ()
    chains = []
    for child in range(1, top):
        if top % child == 0:
            chains += [(top, *rest) for rest in _chains(child, stages - 1)]
    return tuple(chains)


def best_nested(p: float, max_pool: int, stages: int = MAX_STAGES) -> tuple[int, ...]:
    """The nested design (Dorfman included) with the fewest expected tests per person."""
    candidates = [c for top in range(2, max_pool + 1) for c in _chains(top, stages)]
    return min(candidates, key=lambda c: nested(p, c), default=(1,))


def best_dorfman(p: float, max_pool: int) -> int:
    return min(range(1, max_pool + 1), key=lambda k: dorfman(p, k))


def best_matrix(p: float, max_pool: int) -> tuple[int, int] | None:
    pairs = [(r, c) for r in range(2, max_pool + 1) for c in range(r, max_pool + 1)]
    return min(pairs, key=lambda rc: matrix(p, *rc), default=None)


def designs(p: float, max_pool: int) -> list[Design]:
    """One row per family: individual, the best Dorfman, the best nested (up to four stages)
    and the best 2-D matrix, no pool larger than `max_pool`; fewest tests first."""
    _check(p)
    if max_pool < 1:
        raise ValueError("the largest pool must be at least 1")
    bound = entropy_bound(p)

    def row(name: str, sizes: str, tests: float, recalls: float, largest: int) -> Design:
        return Design(name, sizes, tests, tests / bound, recalls, largest)

    rows = [row("individual", "1", 1.0, 0.0, 1)]
    k = best_dorfman(p, max_pool)
    if k > 1:
        rows.append(row("dorfman", f"{k},1", dorfman(p, k), nested_recalls(p, (k, 1)), k))
    chain = best_nested(p, max_pool)
    if len(chain) > 2:
        rows.append(row("nested", ",".join(map(str, chain)), nested(p, chain),
                        nested_recalls(p, chain), chain[0]))
    grid = best_matrix(p, max_pool)
    if grid is not None:
        rows.append(row("matrix", f"{grid[0]}x{grid[1]}", matrix(p, *grid),
                        matrix_recalls(p, *grid), max(grid)))
    return sorted(rows, key=lambda d: d.tests_per_person)


def _check(p: float) -> None:
    if not 0 < p < 1:
        raise ValueError(f"prevalence must lie strictly between 0 and 1, not {p}")
