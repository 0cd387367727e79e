"""Transmission chains as pure functions: no database, read as sentences."""

from __future__ import annotations

import random

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from outbreakhq.epi.chains import find_cycle, summarise, would_make_cycle


def test_a_lone_case_is_a_chain_of_one_generation_without_a_source():
    summary = summarise([], cases=[7])
    assert summary.count == 1
    chain = summary.chains[0]
    assert (chain.size, chain.depth, chain.roots) == (1, 1, (7,))
    assert summary.without_source == (7,)


def test_a_family_tree_has_its_root_size_and_generations():
    pairs = [(1, 2), (1, 3), (2, 4), (4, 5), (10, 11)]
    summary = summarise(pairs, cases=[1, 2, 3, 4, 5, 10, 11, 20])
    sizes = [(c.size, c.depth, c.roots) for c in summary.chains]
    assert sizes == [(5, 4, (1,)), (2, 2, (10,)), (1, 1, (20,))]
    assert summary.without_source == (1, 10, 20)


def test_two_trees_joined_by_a_case_infected_twice_are_one_chain_with_two_roots():
    summary = summarise([(1, 3), (2, 3), (3, 4)])
    assert summary.count == 1
    assert summary.chains[0].roots == (1, 2)
    assert summary.chains[0].depth == 3


def test_a_self_link_is_ignored():
    summary = summarise([(5, 5)])
    assert summary.chains[0].size == 1
    assert not summary.chains[0].has_cycle


def test_a_cycle_is_flagged_and_found():
    pairs = [(1, 2), (2, 3), (3, 1), (3, 4)]
    assert summarise(pairs).chains[0].has_cycle
    cycle = find_cycle(pairs)
    assert cycle is not None and cycle[0] == cycle[-1] and set(cycle) == {1, 2, 3}


def test_links_without_a_loop_have_no_cycle():
    assert find_cycle([(1, 2), (1, 3), (2, 3)]) is None


def test_linking_a_case_to_its_own_descendant_would_make_a_cycle():
    source_of = {2: 1, 3: 2, 4: 3}
    assert would_make_cycle(source_of.get, infectee=1, infector=4)
    assert would_make_cycle(source_of.get, infectee=3, infector=3)
    assert not would_make_cycle(source_of.get, infectee=4, infector=1)


def test_as_dict_gives_counts_sizes_depths_and_unsourced_cases():
    data = summarise([(1, 2)], cases=[3]).as_dict()
    assert data["chains"] == 2 and data["cases"] == 3
    assert data["sizes"][0] == {"root": [1], "size": 2, "depth": 2, "has_cycle": False}
    assert data["without_source"] == [1, 3]


def test_a_chain_of_100000_generations_needs_no_recursion():
    pairs = [(i, i + 1) for i in range(100_000)]
    summary = summarise(pairs)
    assert summary.chains[0].depth == 100_001
    assert find_cycle(pairs) is None
    assert would_make_cycle({i + 1: i for i in range(100_000)}.get, infectee=0, infector=100_000)


def test_100000_cases_in_random_trees_are_all_counted_once():
    # Speed is measured in bench/chains_summary.py, not here.
    rng = random.Random(4)
    pairs = [(rng.randrange(i), i) for i in range(1, 100_000) if rng.random() < 0.8]
    summary = summarise(pairs, cases=range(100_000))
    assert sum(c.size for c in summary.chains) == 100_000
    assert len(summary.without_source) == summary.count  # a forest: one root per tree


@given(st.lists(st.integers(0, 30), min_size=1, max_size=60))
def test_every_forest_has_one_root_per_chain_and_no_cycle(parents):
    # Case i+1 is infected by an earlier case: a forest, whatever the draw.
    pairs = [(p % (i + 1), i + 1) for i, p in enumerate(parents)]
    summary = summarise(pairs, cases=range(len(parents) + 1))
    assert all(len(c.roots) == 1 and not c.has_cycle for c in summary.chains)
    assert sum(c.size for c in summary.chains) == len(parents) + 1
    assert find_cycle(pairs) is None


def _naive_depth(parent: dict[int, int], node: int) -> int:
    depth = 1
    while node in parent:
        node, depth = parent[node], depth + 1
    return depth


@given(st.lists(st.integers(0, 50), min_size=1, max_size=80))
def test_generations_match_walking_up_the_infectors(parents):
    pairs = [(p % (i + 1), i + 1) for i, p in enumerate(parents)]
    parent = {child: source for source, child in pairs}
    summary = summarise(pairs, cases=range(len(parents) + 1))
    for chain in summary.chains:
        assert chain.depth == max(_naive_depth(parent, n) for n in chain.members)


def test_a_cycle_among_cases_infected_twice_is_flagged_too():
    summary = summarise([(1, 2), (5, 2), (2, 3), (3, 2), (7, 8)])
    flags = {c.members: c.has_cycle for c in summary.chains}
    assert flags == {(1, 2, 3, 5): True, (7, 8): False}


def test_ids_that_are_not_numbers_work_in_order_of_appearance():
    summary = summarise([("b", "a"), ("a", "c")])
    assert summary.chains[0].members == ("b", "a", "c") and summary.chains[0].depth == 3


def _reference(pairs: list[tuple[int, int]], cases: list[int]) -> list[tuple]:
    """Chains the slow, obvious way: (members, roots, depth) largest first, then deepest, then
    by first member. Forests only (one infector per case)."""
    parent = {child: source for source, child in pairs if child != source}
    nodes = sorted({*cases, *(n for pair in pairs for n in pair)})
    top = {}
    for node in nodes:
        walk = node
        while walk in parent:
            walk = parent[walk]
        top[node] = walk
    groups: dict[int, list[int]] = {}
    for node in nodes:
        groups.setdefault(top[node], []).append(node)
    found = [(tuple(m), tuple(n for n in m if n not in parent),
              max(_naive_depth(parent, n) for n in m)) for m in groups.values()]
    return sorted(found, key=lambda c: (-len(c[0]), -c[2], c[0][0]))


@given(st.lists(st.integers(0, 40), min_size=1, max_size=80),
       st.lists(st.integers(0, 200), max_size=40))
def test_chains_read_one_by_one_match_the_obvious_computation(parents, lone):
    pairs = [(p % (i + 1), i + 1) for i, p in enumerate(parents)]
    cases = [*range(len(parents) + 1), *(100 + n for n in lone)]
    summary = summarise(pairs, cases=cases)
    expected = _reference(pairs, cases)
    assert [(c.members, c.roots, c.depth) for c in summary.chains] == expected
    assert [(summary.chains[i].members, summary.chains[i].roots, summary.chains[i].depth)
            for i in range(summary.count)] == expected  # one at a time, as the page reads
    linked = [c for c in expected if len(c[0]) > 1]
    assert [(c.members, c.roots, c.depth) for c in summary.linked] == linked
    assert list(summary.linked.sizes) == [len(c[0]) for c in linked]
    assert list(summary.linked.depths) == [c[2] for c in linked]
    assert summary.singles == tuple(c[0][0] for c in expected if len(c[0]) == 1)


def test_lone_cases_are_counted_and_listed_after_the_linked_chains_as_before():
    summary = summarise([(4, 9), (9, 12)], cases=[1, 4, 9, 12, 30, 2])
    assert summary.count == 4 and len(summary.linked) == 1
    assert summary.singles == (1, 2, 30)
    assert [c.members for c in summary.chains] == [(4, 9, 12), (1,), (2,), (30,)]
    assert summary.chains[-1] == summary.chains[3]
    assert summary.chains[1:3] == (summarise([], cases=[1]).chains[0],
                                   summarise([], cases=[2]).chains[0])
    assert summary.as_dict() == {
        "chains": 4, "cases": 6, "without_source": [1, 2, 4, 30],
        "sizes": [{"root": [4], "size": 3, "depth": 3, "has_cycle": False},
                  {"root": [1], "size": 1, "depth": 1, "has_cycle": False},
                  {"root": [2], "size": 1, "depth": 1, "has_cycle": False},
                  {"root": [30], "size": 1, "depth": 1, "has_cycle": False}]}


def test_nothing_to_summarise_is_an_empty_summary():
    summary = summarise([])
    assert summary.count == 0 and not summary.chains and not summary.linked
    assert summary.singles == () and summary.chains[:5] == ()
    assert summary.as_dict() == {"chains": 0, "cases": 0, "sizes": [], "without_source": []}


def test_numpy_arrays_in_any_order_give_the_same_chains_as_tuples():
    rng = random.Random(7)
    pairs = [(rng.randrange(1, i), i) for i in range(2, 3000) if rng.random() < 0.4]
    cases = list(range(1, 4000))
    expected = summarise(pairs, cases=cases).as_dict()
    assert summarise(np.array(pairs), cases=np.array(cases)).as_dict() == expected
    shuffled = cases[:]
    rng.shuffle(shuffled)  # not sorted: numbered afresh rather than by binary search
    assert summarise(np.array(pairs[::-1]), cases=np.array(shuffled)).as_dict() == expected
    few = cases[:10]  # the links name cases missing from the list: numbered afresh too
    assert summarise(np.array(pairs), cases=np.array(few)).as_dict() == \
        summarise(pairs, cases=few).as_dict()


def test_a_region_of_100000_cases_mostly_alone_counts_lone_cases_and_linked_chains():
    rng = np.random.default_rng(4)
    ids = np.arange(1, 108_037)
    infectee = np.sort(rng.choice(ids[1:], 36_408, replace=False))
    infector = (rng.random(len(infectee)) * (infectee - 1)).astype(np.int64) + 1
    summary = summarise(np.stack([infector, infectee], axis=1), cases=ids)
    table = summary.linked[:30]
    assert summary.count == 108_036 - 36_408 and summary.cases == 108_036
    assert len(summary.singles) + len(summary.linked) == summary.count
    assert int(summary.linked.sizes.sum()) + len(summary.singles) == 108_036
    assert [c.size for c in table] == summary.linked.sizes[:30].tolist()
