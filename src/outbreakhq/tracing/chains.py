"""The transmission chains of a scope, read from the database and summarised by epi.chains.

Only record numbers and source links are loaded (two integers per case), so a region of 100,000
cases is summarised without reading a single name; the graph is cut to the largest chains.
"""

from __future__ import annotations

from dataclasses import dataclass

from outbreakhq.core.models import Area
from outbreakhq.epi.chains import Summary, summarise
from outbreakhq.tracing.models import Case

MAX_CHAINS = 30  # chains drawn in the graph by default
MAX_NODES = 1500  # beyond this a browser graph is unreadable and slow to lay out


@dataclass(frozen=True)
class ScopeChains:
    summary: Summary
    without_source: tuple[int, ...]  # no infector recorded at all
    source_outside: tuple[int, ...]  # infector recorded but outside the scope
    sources: dict[int, int | None]  # every case of the scope -> its source (None: unknown)

    @property
    def cases(self) -> int:
        return len(self.sources)


def scope_chains(*, by, within: Area | None = None) -> ScopeChains:
    """Every chain among the cases the user may see (in `within`, if given)."""
    return _chains(Case.objects.visible_to(by, within=within))


def area_chains(area: Area | None = None) -> ScopeChains:
    """Every chain of an area's subtree, or of the whole database: for the operator's command
    line, which reads the database directly anyway and prints record numbers only."""
    rows = Case.objects.all()
    if area is not None:
        rows = rows.filter(area__path__startswith=area.path)
    return _chains(rows)


def as_dict(found: ScopeChains) -> dict:
    """The figures as JSON: chains, their sizes and generations, cases without a source."""
    return {**found.summary.as_dict(), "without_source": list(found.without_source),
            "source_outside_scope": list(found.source_outside)}


def _chains(rows) -> ScopeChains:
    sources = dict(rows.values_list("pk", "source_case_id").iterator(chunk_size=10_000))
    links = [(src, pk) for pk, src in sources.items() if src is not None and src in sources]
    outside = tuple(sorted(pk for pk, src in sources.items()
                           if src is not None and src not in sources))
    without = tuple(sorted(pk for pk, src in sources.items() if src is None))
    return ScopeChains(summarise(links, cases=sources), without, outside, sources)


def graph(chains: ScopeChains, *, max_chains: int = MAX_CHAINS,
          max_nodes: int = MAX_NODES) -> dict:
    """Cytoscape elements for the largest chains: nodes `c<number>`, edges infector -> infectee."""
    shown, nodes = [], 0
    linked = [c for c in chains.summary.chains if c.size > 1]  # lone cases are listed, not drawn
    for chain in linked[:max_chains]:
        if shown and nodes + chain.size > max_nodes:
            break
        shown.append(chain)
        nodes += chain.size
    members = [pk for chain in shown for pk in chain.members]
    details = dict(Case.objects.filter(pk__in=members).values_list("pk", "classification"))
    no_source, outside = set(chains.without_source), set(chains.source_outside)
    elements = []
    for index, chain in enumerate(shown):
        for pk in chain.members:
            elements.append({"data": {
                "id": f"c{pk}", "label": f"#{pk}", "chain": index + 1,
                "classification": details.get(pk, ""), "no_source": pk in no_source,
                "source_outside": pk in outside}})
    elements += [{"data": {"id": f"e{pk}", "source": f"c{chains.sources[pk]}",
                           "target": f"c{pk}"}}
                 for pk in members if chains.sources[pk] in chains.sources]
    return {"elements": elements, "chains_shown": len(shown),
            "chains_total": len(linked), "cases_shown": len(members),
            "cases_total": chains.cases}
