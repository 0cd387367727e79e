"""Transmission chains from (infector, infectee) pairs: pure Python, no Django.

A chain is a connected component of the "who infected whom" graph, links taken in either
direction. Its roots are the members nobody in the chain infected; its depth is the number of
generations: a lone case is a chain of depth 1, a case and the person they infected depth 2.

Everything here is iterative (union-find, Kahn's topological order), so a chain of 100,000
generations runs as fast as a bushy one and never meets Python's recursion limit.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass

Node = Hashable
Pair = tuple[Node, Node]  # (infector, infectee)


@dataclass(frozen=True)
class Chain:
    members: tuple[Node, ...]  # every case of the chain, sorted when the ids sort
    roots: tuple[Node, ...]  # members with no infector inside the chain
    depth: int  # generations along the longest path from a root (1 for a lone case)
    has_cycle: bool  # some links go round in a circle (bad data: refused on entry)

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass(frozen=True)
class Summary:
    chains: tuple[Chain, ...]  # largest first
    without_source: tuple[Node, ...]  # cases nobody is recorded as having infected

    @property
    def count(self) -> int:
        return len(self.chains)

    def as_dict(self) -> dict:
        """Plain JSON-ready figures (the `outbreakhq chains --format json` output)."""
        return {
            "chains": self.count,
            "cases": sum(c.size for c in self.chains),
            "sizes": [{"root": list(c.roots), "size": c.size, "depth": c.depth,
                       "has_cycle": c.has_cycle} for c in self.chains],
            "without_source": list(self.without_source),
        }


def _sorted(nodes: Iterable[Node]) -> tuple[Node, ...]:
    items = list(nodes)
    try:
        return tuple(sorted(items))
    except TypeError:  # mixed id types: keep the order they came in
        return tuple(items)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[Node, Node] = {}

    def add(self, node: Node) -> None:
        self.parent.setdefault(node, node)

    def find(self, node: Node) -> Node:
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:  # path compression, iteratively
            self.parent[node], node = root, self.parent[node]
        return root

    def union(self, a: Node, b: Node) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def _depths(members: list[Node], infectees: Mapping[Node, list[Node]],
            indegree: dict[Node, int]) -> tuple[int, bool]:
    """Longest path in generations (Kahn's order); the flag says some members sit on a cycle."""
    level = dict.fromkeys(members, 1)
    remaining = {n: indegree.get(n, 0) for n in members}
    queue = deque(n for n in members if remaining[n] == 0)
    seen = 0
    while queue:
        node = queue.popleft()
        seen += 1
        for child in infectees.get(node, ()):
            level[child] = max(level[child], level[node] + 1)
            remaining[child] -= 1
            if remaining[child] == 0:
                queue.append(child)
    return max(level.values(), default=0), seen < len(members)


def summarise(pairs: Iterable[Pair], cases: Iterable[Node] = ()) -> Summary:
    """Chains of the pairs, plus every case in `cases` that appears in no pair (a chain of one).

    A pair whose two ends are the same case is ignored: it carries no information and would
    otherwise count as a cycle.
    """
    sets = _UnionFind()
    infectees: dict[Node, list[Node]] = defaultdict(list)
    indegree: dict[Node, int] = defaultdict(int)
    for case in cases:
        sets.add(case)
    for infector, infectee in pairs:
        sets.add(infector)
        sets.add(infectee)
        if infector == infectee:
            continue
        infectees[infector].append(infectee)
        indegree[infectee] += 1
        sets.union(infector, infectee)
    groups: dict[Node, list[Node]] = defaultdict(list)
    for node in sets.parent:
        groups[sets.find(node)].append(node)
    chains = []
    for members in groups.values():
        depth, cyclic = _depths(members, infectees, indegree)
        roots = [n for n in members if indegree.get(n, 0) == 0]
        chains.append(Chain(_sorted(members), _sorted(roots), depth, cyclic))
    chains.sort(key=lambda c: (-c.size, -c.depth, str(c.members[:1])))
    without = _sorted(n for n in sets.parent if indegree.get(n, 0) == 0)
    return Summary(tuple(chains), without)


def find_cycle(pairs: Iterable[Pair]) -> list[Node] | None:
    """One cycle of the links as [a, b, …, a], or None. Iterative depth-first search."""
    graph: dict[Node, list[Node]] = defaultdict(list)
    for infector, infectee in pairs:
        graph[infector].append(infectee)
    state: dict[Node, int] = {}  # 1 = on the current path, 2 = finished
    for start in list(graph):
        if start in state:
            continue
        path, stack = [start], [iter(graph[start])]
        state[start] = 1
        while stack:
            child = next(stack[-1], None)
            if child is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(child) == 1:
                return path[path.index(child):] + [child]
            elif child not in state:
                state[child] = 1
                path.append(child)
                stack.append(iter(graph.get(child, ())))
    return None


def would_make_cycle(source_of: Callable[[Node], Node | None], infectee: Node,
                     infector: Node) -> bool:
    """Whether linking `infector` -> `infectee` closes a loop, given each case's one source
    (`source_of` is `dict.get`, or a database lookup, so that only the path is ever loaded).

    Walk up from the infector through the recorded sources: meeting the infectee means the
    infectee is already an ancestor of its would-be infector.
    """
    node: Node | None = infector
    seen: set[Node] = set()
    while node is not None and node not in seen:
        if node == infectee:
            return True
        seen.add(node)
        node = source_of(node)
    return False
