"""The transmission chains of a scope, read from the database and summarised by epi.chains.

Only record numbers and source links are loaded (two integers per case, straight from the
database cursor into numpy), so a region of 100,000 cases is summarised without reading a single
name or making one Python object per case; the graph is cut to the largest chains.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict, deque
from dataclasses import dataclass, field
from itertools import chain as chained

import numpy as np
from django.db import connections
from django.db.models import BigIntegerField, Count, F, Max, Value
from django.db.models.functions import Coalesce

from outbreakhq.core.actor import Actor
from outbreakhq.core.models import Area
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import scope_areas
from outbreakhq.epi.chains import Chain, Summary, summarise
from outbreakhq.tracing.models import Case

MAX_CHAINS = 30  # chains drawn in the graph by default
MAX_NODES = 1500  # beyond this a browser graph is unreadable and slow to lay out
_RECENT: OrderedDict[tuple, ScopeChains] = OrderedDict()
_RECENT_SIZE = 8
_LOCK = threading.Lock()


@dataclass(frozen=True, eq=False)
class ScopeChains:
    summary: Summary
    without_source: tuple[int, ...]  # no infector recorded at all
    source_outside: tuple[int, ...]  # infector recorded but outside the scope
    ids: np.ndarray  # every case of the scope, sorted
    source: np.ndarray  # each one's source (0: none recorded), in the same order
    graphs: dict = field(default_factory=dict, compare=False)  # drawn graphs, by size limits
    # Infector named by a file but no case here (issue 14): (case, the infector's external id).
    # These are not index cases, so they are not in `without_source`.
    not_listed: tuple[tuple[int, str], ...] = ()

    @property
    def cases(self) -> int:
        return len(self.ids)

    def sources_of(self, pks) -> list[int | None]:
        """The recorded source of each of these cases of the scope (None: unknown)."""
        found = self.source[np.searchsorted(self.ids, np.asarray(pks, dtype=np.int64))]
        return [src or None for src in found.tolist()]


def scope_chains(*, actor: Actor, within: Area | None = None) -> ScopeChains:
    """Every chain among the cases the user may see (in `within`, if given).

    The chains page asks twice in a row (the page, then its graph) and a region holds 100,000
    cases: the last few results are kept in this process, keyed by the scope and by a
    fingerprint of its cases (count, last change, last number) that any write changes. They
    hold record numbers only, and only users of the same scope share one.
    """
    rows = Case.objects.visible_to(actor, within=within)
    stamp = rows.aggregate(n=Count("id"), changed=Max("updated_at"), last=Max("id"))
    key = (tuple(a.path for a in scope_areas(actor, Can.VIEW_PERSON, within=within)),
           stamp["n"], stamp["changed"], stamp["last"])
    with _LOCK:
        if key in _RECENT:
            _RECENT.move_to_end(key)
            return _RECENT[key]
    found = _chains(rows)
    with _LOCK:
        _RECENT[key] = found
        while len(_RECENT) > _RECENT_SIZE:
            _RECENT.popitem(last=False)
    return found


def area_chains(area: Area | None = None) -> ScopeChains:
    """Every chain of an area's subtree, or of the whole database: for the operator's command
    line, which reads the database directly anyway and prints record numbers only."""
    rows = Case.objects.all()
    if area is not None:
        rows = rows.filter(area__path__startswith=area.path)
    return _chains(rows)


def external_ids(pks) -> dict[int, str]:
    """The external ids of these cases (those that have one), for printing beside their record
    numbers: one query per 5,000 cases."""
    pks, found = list(pks), {}
    for start in range(0, len(pks), 5000):
        found.update(Case.objects.filter(pk__in=pks[start:start + 5000])
                     .exclude(external_id="").values_list("pk", "external_id"))
    return found


def as_dict(found: ScopeChains) -> dict:
    """The figures as JSON: chains, their sizes and generations (with the external ids of the
    first cases), cases without a source, and the cases whose infector a file named but no case
    here is (`source_not_listed`)."""
    data = found.summary.as_dict()
    listed = [pk for chain in data["sizes"] for pk in chain["root"]]
    named = external_ids({*listed, *found.without_source, *(pk for pk, _e in found.not_listed)})
    for chain in data["sizes"]:
        chain["root_external_id"] = [named.get(pk, "") for pk in chain["root"]]
    return {**data, "without_source": list(found.without_source),
            "without_source_external_id": [named.get(pk, "") for pk in found.without_source],
            "source_outside_scope": list(found.source_outside),
            "source_not_listed": [{"case": pk, "external_id": named.get(pk, ""),
                                   "source_external_id": source}
                                  for pk, source in found.not_listed]}


def _chains(rows) -> ScopeChains:
    ids, source = _links(rows)
    has = source != 0
    at = np.searchsorted(ids, source).clip(max=max(len(ids) - 1, 0))
    inside = has & (ids[at] == source) if len(ids) else has
    links = np.stack([source[inside], ids[inside]], axis=1)
    # Few cases wait for an infector nobody imported: read them apart, with their ids.
    not_listed = tuple(rows.order_by("pk").filter(source_case__isnull=True)
                       .exclude(source_external_id="").values_list("pk", "source_external_id"))
    waiting = {pk for pk, _e in not_listed}
    return ScopeChains(summarise(links, cases=ids),
                       tuple(pk for pk in ids[~has].tolist() if pk not in waiting),
                       tuple(ids[has & ~inside].tolist()), ids, source, not_listed=not_listed)


def _links(rows) -> tuple[np.ndarray, np.ndarray]:
    """(case numbers, sorted; each one's source, 0 when none): one query through the cursor,
    the rows flattened into numpy in one pass (no model instances, no per-row converters)."""
    query = rows.order_by().values_list(
        "pk", Coalesce(F("source_case_id"), Value(0), output_field=BigIntegerField()))
    sql, params = query.query.get_compiler(using=query.db).as_sql()
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    flat = np.fromiter(chained.from_iterable(found), dtype=np.int64, count=2 * len(found))
    pairs = flat.reshape(-1, 2)
    if len(pairs) > 1 and not bool(np.all(pairs[1:, 0] > pairs[:-1, 0])):
        pairs = pairs[np.argsort(pairs[:, 0], kind="stable")]
    return pairs[:, 0].copy(), pairs[:, 1].copy()


def _first_generations(chain: Chain, found: ScopeChains, limit: int) -> list[int]:
    """The `limit` members of a chain nearest its roots (breadth first): what is drawn of a
    chain too large for a browser graph."""
    members = set(chain.members)
    infected: dict[int, list[int]] = defaultdict(list)
    for pk, src in zip(chain.members, found.sources_of(chain.members), strict=True):
        if src in members:
            infected[src].append(pk)
    queue, seen = deque(chain.roots), set(chain.roots)
    order: list[int] = []
    while queue and len(order) < limit:
        pk = queue.popleft()
        order.append(pk)
        for child in infected.get(pk, ()):
            if child not in seen:
                seen.add(child)
                queue.append(child)
    return order


def graph(chains: ScopeChains, *, max_chains: int = MAX_CHAINS,
          max_nodes: int = MAX_NODES) -> dict:
    """Cytoscape elements for the largest chains: nodes `c<number>`, edges infector -> infectee.

    Lone cases are listed on the page, not drawn. A first chain larger than `max_nodes` is
    drawn from its roots down to `max_nodes` cases, and `truncated` says so. The result is kept
    with the summary it was drawn from (same scope, same fingerprint)."""
    limits = (max_chains, max_nodes)
    if limits not in chains.graphs:
        chains.graphs[limits] = _draw(chains, max_chains=max_chains, max_nodes=max_nodes)
    return chains.graphs[limits]


def _draw(chains: ScopeChains, *, max_chains: int, max_nodes: int) -> dict:
    linked = chains.summary.linked  # made into Chain objects only as far as they are drawn
    drawn: list[list[int]] = []
    for chain in linked[:max_chains]:
        used = sum(len(d) for d in drawn)
        if drawn and used + chain.size > max_nodes:
            break
        drawn.append(list(chain.members) if chain.size <= max_nodes
                     else _first_generations(chain, chains, max_nodes))
    members = [pk for group in drawn for pk in group]
    details = dict(Case.objects.filter(pk__in=members).values_list("pk", "classification"))
    no_source, outside, present = set(chains.without_source), set(chains.source_outside), \
        set(members)
    elements = [{"data": {"id": f"c{pk}", "label": f"#{pk}", "chain": index + 1,
                          "classification": details.get(pk, ""), "no_source": pk in no_source,
                          "source_outside": pk in outside}}
                for index, group in enumerate(drawn) for pk in group]
    elements += [{"data": {"id": f"e{pk}", "source": f"c{src}", "target": f"c{pk}"}}
                 for pk, src in zip(members, chains.sources_of(members), strict=True)
                 if src in present]
    return {"elements": elements, "chains_shown": len(drawn), "chains_total": len(linked),
            "cases_shown": len(members), "cases_total": chains.cases,
            "truncated": bool(len(linked)) and int(linked.sizes[0]) > max_nodes}
