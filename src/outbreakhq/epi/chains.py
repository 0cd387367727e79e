"""Transmission chains from (infector, infectee) pairs: pure Python, no Django.

A chain is a connected component of the "who infected whom" graph, links taken in either
direction. Its roots are the members nobody in the chain infected; its depth is the number of
generations: a lone case is a chain of depth 1, a case and the person they infected depth 2.

Everything here is iterative (scipy's connected components, Kahn's topological order), so a
chain of 100,000 generations runs as fast as a bushy one and never meets the recursion limit.
Pure: numpy and scipy, no Django.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from itertools import compress

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


def _index(pairs: Iterable[Pair], cases: Iterable[Node]) -> tuple[list, np.ndarray, np.ndarray]:
    """Number the cases 0..n-1 and the links between them (self-links dropped).

    Integer ids (record numbers, the usual case) go through numpy and come out sorted, so the
    members of every chain are in order without sorting each one; other ids keep the order in
    which they first appear.
    """
    pairs, cases = list(pairs), list(cases)
    try:
        links = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        ids = np.asarray(cases, dtype=np.int64).reshape(-1)
    except (TypeError, ValueError, OverflowError):
        return _index_any(pairs, cases)
    nodes, inverse = np.unique(np.concatenate([ids, links.ravel()]), return_inverse=True)
    ends = inverse[len(ids):].reshape(-1, 2)
    ends = ends[ends[:, 0] != ends[:, 1]]
    return nodes.tolist(), ends[:, 0].copy(), ends[:, 1].copy()


def _index_any(pairs: list[Pair], cases: list[Node]) -> tuple[list, np.ndarray, np.ndarray]:
    index: dict[Node, int] = {}
    for node in [*cases, *(n for pair in pairs for n in pair)]:
        index.setdefault(node, len(index))
    kept = [(index[a], index[b]) for a, b in pairs if a != b]
    src = np.asarray([a for a, _ in kept], dtype=np.int64)
    dst = np.asarray([b for _, b in kept], dtype=np.int64)
    return list(index), src, dst


def _generations(n: int, src: np.ndarray, dst: np.ndarray,
                 indegree: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each case's generation (1 for a root) and which cases sit on or below a cycle."""
    if n and indegree.max(initial=0) <= 1:
        return _generations_forest(n, src, dst)
    return _generations_kahn(n, src, dst, indegree)


def _generations_forest(n: int, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, ...]:
    """One infector per case (what the database holds): pointer jumping, about log2(n) numpy
    steps whatever the depth. A case whose line of infectors never ends sits on a cycle."""
    parent = np.full(n, -1, dtype=np.int64)
    parent[dst] = src
    dist = (parent >= 0).astype(np.int64)
    for _ in range(max(n, 2).bit_length() + 1):
        going = parent >= 0
        if not going.any():
            break
        up = parent[going]
        dist[going] = dist[going] + dist[up]
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
    so 100,000 cases take a fraction of a second.
    """
    nodes, src, dst = _index(pairs, cases)
    n = len(nodes)
    if n == 0:
        return Summary((), ())
    graph = coo_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n))
    count, labels = connected_components(graph, directed=True, connection="weak")
    indegree = np.bincount(dst, minlength=n)
    level, stuck = _generations(n, src, dst, indegree)
    depth = np.zeros(count, dtype=np.int64)
    np.maximum.at(depth, labels, level)
    cyclic = np.zeros(count, dtype=bool)
    cyclic[labels[stuck]] = True
    return Summary(_chains(nodes, labels, count, indegree == 0, depth, cyclic),
                   tuple(nodes[i] for i in np.flatnonzero(indegree == 0).tolist()))


def _chains(nodes: list, labels: np.ndarray, count: int, root: np.ndarray, depth: np.ndarray,
            cyclic: np.ndarray) -> tuple[Chain, ...]:
    """One Chain per component, largest first (then deepest, then by first member)."""
    # Labels run 0..count-1; a stable sort by label groups each chain's members and keeps
    # them in node order (sorted, for record numbers).
    order = np.argsort(labels, kind="stable")
    sizes = np.bincount(labels, minlength=count)
    bounds = np.concatenate(([0], np.cumsum(sizes))).tolist()
    members = [nodes[i] for i in order.tolist()]
    is_root = root[order].tolist()
    sizes_list, depths, cycles = sizes.tolist(), depth.tolist(), cyclic.tolist()
    ranked = sorted(range(count), key=lambda c: (-sizes_list[c], -depths[c], c))
    return tuple(
        Chain(tuple(members[bounds[c]:bounds[c + 1]]),
              tuple(compress(members[bounds[c]:bounds[c + 1]], is_root[bounds[c]:bounds[c + 1]])),
              depths[c], cycles[c])
        for c in ranked)


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
