"""Who may see what: a user's areas per capability, and the filter every personal-data query uses.

A user's scope for a capability is the set of areas where one of their roles grants it, each area
standing for its whole subtree. Nested areas collapse to the outermost one, so the SQL is a short
OR of indexed path-prefix tests.
"""

from __future__ import annotations

from django.db.models import Q

from outbreakhq.core.actor import Actor
from outbreakhq.core.models import Area, Assignment
from outbreakhq.core.roles import CAPABILITIES, grants


def assignments(actor: Actor) -> list[Assignment]:
    """The actor's role assignments, read once per request or command (core/actor.py).
    A bare user is accepted where no actor exists (templates, forms, admin)."""
    return Actor.of(actor).assignments


def capabilities(actor: Actor) -> set[str]:
    return {cap for a in assignments(actor) for cap in CAPABILITIES.get(a.role, ())}


def outermost(areas: list[Area]) -> list[Area]:
    """Drop areas that lie inside another area of the list."""
    kept: list[Area] = []
    for area in sorted({a.path: a for a in areas}.values(), key=lambda a: a.path):
        if not any(area.path.startswith(k.path) for k in kept):
            kept.append(area)
    return kept


def scope_areas(actor: Actor, capability: str, *, within: Area | None = None) -> list[Area]:
    """The outermost areas where the actor holds `capability`, narrowed to `within` if given."""
    areas = outermost([a.area for a in assignments(actor) if grants(a.role, capability)])
    if within is None:
        return areas
    if any(a.contains(within) for a in areas):
        return [within]
    return [a for a in areas if within.contains(a)]


def scope_filter(actor: Actor, capability: str, path_field: str, *,
                 within: Area | None = None) -> Q:
    """A Q object limiting rows to the actor's scope; matches nothing when the scope is empty."""
    areas = scope_areas(actor, capability, within=within)
    if not areas:
        return Q(pk__in=[])
    query = Q()
    for area in areas:
        query |= Q(**{f"{path_field}__startswith": area.path})
    return query


def can(actor: Actor, capability: str, area: Area | None = None) -> bool:
    """Whether the actor holds `capability` somewhere (area None) or over `area`."""
    areas = scope_areas(actor, capability)
    if area is None:
        return bool(areas)
    return any(a.contains(area) for a in areas)


def visible_areas(actor: Actor, *, within: Area | None = None):
    """Areas the user may browse: their own subtrees for any capability (area names are not
    personal data, so analysts see them too)."""
    roots = outermost([a.area for a in assignments(actor)])
    if within is not None:
        roots = [within] if any(r.contains(within) for r in roots) else [
            r for r in roots if within.contains(r)]
    if not roots:
        return Area.objects.none()
    query = Q()
    for area in roots:
        query |= Q(path__startswith=area.path)
    return Area.objects.filter(query)
