"""Transmission chains from (infector, infectee) pairs: pure Python, no Django.

A chain is a connected component of the "who infected whom" graph, links taken in either
direction. Its roots are the members nobody in the chain infected; its depth is the number of
generations: a lone case is a chain of depth 1, a case and the person they infected depth 2.

Everything here is iterative (scipy's connected components, Kahn's topological order), so a
chain of 100,000 generations runs as fast as a bushy one and never meets the recursion limit.

A summary is kept as arrays (a chain number per case, a size, depth and cycle flag per chain):
a region's 100,000 cases make some 70,000 chains, nearly all of them lone cases, and one Python
object each cost more than everything else together. A `Chain` is made only when one is read
(`summary.chains[0]`, `summary.linked[:30]`), and lone cases are also a plain tuple of numbers
(`summary.singles`). Pure: numpy and scipy, no Django.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import compress
from typing import overload

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

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


class _Parts:
    """The arrays a summary is made of. Chains are numbered by the order of their first case;
    `ranked` lists them largest first, then deepest, then by that number."""

    def __init__(self, nodes: np.ndarray, labels: np.ndarray, count: int, root: np.ndarray,
                 level: np.ndarray, stuck: np.ndarray) -> None:
        self.nodes, self.root = nodes, root
        self.sizes = np.bincount(labels, minlength=count)
        self.depths = np.zeros(count, dtype=np.int64)
        np.maximum.at(self.depths, labels, level)
        self.cyclic = np.zeros(count, dtype=bool)
        self.cyclic[labels[stuck]] = True
        # A stable sort by chain number groups each chain's members and keeps them in node
        # order (sorted, for record numbers).
        self.order = np.argsort(labels, kind="stable")
        self.bounds = np.concatenate(([0], np.cumsum(self.sizes)))
        self.ranked = np.lexsort((np.arange(count), -self.depths, -self.sizes))
        self.linked = int(np.count_nonzero(self.sizes > 1))  # ranked first: sizes 2 and up

    def chain(self, c: int) -> Chain:
        at = self.order[self.bounds[c]:self.bounds[c + 1]]
        members = self.nodes[at]
        return Chain(tuple(members.tolist()), tuple(members[self.root[at]].tolist()),
                     int(self.depths[c]), bool(self.cyclic[c]))

    def many(self, ranked: np.ndarray) -> Iterator[Chain]:
        """Chains in bulk, through Python lists rather than one numpy slice each."""
        if len(ranked) <= 64:
            yield from (self.chain(c) for c in ranked.tolist())
            return
        members = self.nodes[self.order].tolist()
        is_root = self.root[self.order].tolist()
        bounds, depths = self.bounds.tolist(), self.depths.tolist()
        cycles = self.cyclic.tolist()
        for c in ranked.tolist():
            lo, hi = bounds[c], bounds[c + 1]
            yield Chain(tuple(members[lo:hi]), tuple(compress(members[lo:hi], is_root[lo:hi])),
                        depths[c], cycles[c])


class Chains(Sequence[Chain]):
    """Chains largest first (then deepest, then by first case), made into `Chain` objects only
    when read. `sizes` and `depths` give the figures of all of them without making any."""

    def __init__(self, parts: _Parts | None, ranked: np.ndarray) -> None:
        self._parts, self._ranked = parts, ranked

    def __len__(self) -> int:
        return len(self._ranked)

    @overload
    def __getitem__(self, index: int) -> Chain: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Chain, ...]: ...
    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self._parts.many(self._ranked[index])) if self._parts else ()
        if self._parts is None:
            raise IndexError(index)
        return self._parts.chain(int(self._ranked[index]))

    def __iter__(self) -> Iterator[Chain]:
        return self._parts.many(self._ranked) if self._parts else iter(())

    @property
    def sizes(self) -> np.ndarray:
        return self._parts.sizes[self._ranked] if self._parts else np.zeros(0, dtype=np.int64)

    @property
    def depths(self) -> np.ndarray:
        return self._parts.depths[self._ranked] if self._parts else np.zeros(0, dtype=np.int64)


class Summary:
    """The chains of a set of cases.

    `chains`: every chain, largest first; `linked`: those of two cases or more (the first
    `len(linked)` of `chains`); `singles`: the lone cases, in the order `chains` lists them
    after the linked ones; `without_source`: the cases nobody is recorded as having infected.
    """

    def __init__(self, parts: _Parts | None = None, without_source: tuple[Node, ...] = ()):
        self._parts = parts
        self.without_source = without_source
        ranked = parts.ranked if parts else np.zeros(0, dtype=np.int64)
        self.chains = Chains(parts, ranked)
        self.linked = Chains(parts, ranked[:parts.linked] if parts else ranked)

    @property
    def count(self) -> int:
        return len(self.chains)

    @property
    def cases(self) -> int:
        return len(self._parts.nodes) if self._parts else 0

    @cached_property
    def singles(self) -> tuple[Node, ...]:
        if self._parts is None:
            return ()
        p = self._parts
        first = p.order[p.bounds[p.ranked[p.linked:]]]  # a lone case is its chain's first
        return tuple(p.nodes[first].tolist())

    def as_dict(self) -> dict:
        """Plain JSON-ready figures (the `outbreakhq chains --format json` output)."""
        sizes = [{"root": list(c.roots), "size": c.size, "depth": c.depth,
                  "has_cycle": c.has_cycle} for c in self.linked]
        sizes += [{"root": [pk], "size": 1, "depth": 1, "has_cycle": False}
                  for pk in self.singles]
        return {"chains": self.count, "cases": self.cases, "sizes": sizes,
                "without_source": list(self.without_source)}


def _index(pairs: Iterable[Pair], cases: Iterable[Node]) -> tuple[np.ndarray, np.ndarray,
                                                                   np.ndarray]:
    """Number the cases 0..n-1 and the links between them (self-links dropped).

    Integer ids (record numbers, the usual case) go through numpy and come out sorted, so the
    members of every chain are in order without sorting each one; other ids keep the order in
    which they first appear. Numpy arrays are taken as they are: an (n, 2) array of links and
    an array of cases, already sorted and unique (as a database hands them over) being the
    fastest.
    """
    pairs = pairs if isinstance(pairs, np.ndarray) else list(pairs)
    cases = cases if isinstance(cases, np.ndarray) else list(cases)
    try:
        links = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        ids = np.asarray(cases, dtype=np.int64).reshape(-1)
    except (TypeError, ValueError, OverflowError):
        return _index_any([tuple(p) for p in pairs], list(cases))
    ends = _positions(ids, links)
    if ends is None:
        nodes, inverse = np.unique(np.concatenate([ids, links.ravel()]), return_inverse=True)
        ends = inverse[len(ids):].reshape(-1, 2)
    else:
        nodes = ids
    ends = ends[ends[:, 0] != ends[:, 1]]
    return nodes, ends[:, 0].copy(), ends[:, 1].copy()


def _positions(ids: np.ndarray, links: np.ndarray) -> np.ndarray | None:
    """Where each link's ends sit in `ids`, when the ids are sorted, unique and hold every end
    (a binary search instead of sorting everything again); None otherwise."""
    if not len(ids) or (len(ids) > 1 and not bool(np.all(ids[1:] > ids[:-1]))):
        return None
    at = np.searchsorted(ids, links)
    if at.size and (int(at.max()) >= len(ids) or not bool(np.all(ids[at] == links))):
        return None
    return at


def _index_any(pairs: list[Pair], cases: list[Node]) -> tuple[np.ndarray, np.ndarray,
                                                               np.ndarray]:
    index: dict[Node, int] = {}
    for node in [*cases, *(n for pair in pairs for n in pair)]:
        index.setdefault(node, len(index))
    kept = [(index[a], index[b]) for a, b in pairs if a != b]
    src = np.asarray([a for a, _ in kept], dtype=np.int64)
    dst = np.asarray([b for _, b in kept], dtype=np.int64)
    nodes = np.empty(len(index), dtype=object)
    for i, node in enumerate(index):  # element by element: a tuple id stays one object
        nodes[i] = node
    return nodes, src, dst


def _generations(n: int, src: np.ndarray, dst: np.ndarray,
                 indegree: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each case's generation (1 for a root) and which cases sit on or below a cycle."""
    if n and indegree.max(initial=0) <= 1:
        return _generations_forest(n, src, dst)
    return _generations_kahn(n, src, dst, indegree)


def _generations_forest(n: int, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, ...]:
    """One infector per case (what the database holds): pointer jumping, about log2(n) numpy
    steps whatever the depth, over the infected cases only. A case whose line of infectors
    never ends sits on a cycle."""
    parent = np.full(n, -1, dtype=np.int64)
    parent[dst] = src
    dist = (parent >= 0).astype(np.int64)
    going = dst.copy()  # the cases whose walk up has not reached a root yet
    for _ in range(max(n, 2).bit_length() + 1):
        going = going[parent[going] >= 0]
        if not len(going):
            break
        up = parent[going]
        dist[going] += dist[up]
        parent[going] = parent[up]
    return dist + 1, parent >= 0


def _generations_kahn(n: int, src: np.ndarray, dst: np.ndarray,
                      indegree: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Several infectors per case: the longest path, in one pass of Kahn's algorithm."""
    order = np.argsort(src, kind="stable")
    children = dst[order].tolist()
    starts = np.searchsorted(src[order], np.arange(n + 1)).tolist()
    remaining = indegree.tolist()
    level = [1] * n
    queue = [i for i in range(n) if remaining[i] == 0]
    head = 0
    while head < len(queue):
        node = queue[head]
        head += 1
        below = level[node] + 1
        for k in range(starts[node], starts[node + 1]):
            child = children[k]
            if level[child] < below:
                level[child] = below
            remaining[child] -= 1
            if remaining[child] == 0:
                queue.append(child)
    return np.asarray(level, dtype=np.int64), np.asarray(remaining, dtype=np.int64) > 0


def summarise(pairs: Iterable[Pair], cases: Iterable[Node] = ()) -> Summary:
    """Chains of the pairs, plus every case in `cases` that appears in no pair (a chain of one).

    A pair whose two ends are the same case is ignored: it carries no information and would
    otherwise count as a cycle. Components come from scipy's C code and generations from numpy,
    and no per-chain object is made here, so 100,000 cases take a few tens of milliseconds.
    """
    nodes, src, dst = _index(pairs, cases)
    n = len(nodes)
    if n == 0:
        return Summary()
    graph = coo_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n))
    count, labels = connected_components(graph, directed=True, connection="weak")
    indegree = np.bincount(dst, minlength=n)
    level, stuck = _generations(n, src, dst, indegree)
    root = indegree == 0
    return Summary(_Parts(nodes, labels, count, root, level, stuck),
                   tuple(nodes[root].tolist()))


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
