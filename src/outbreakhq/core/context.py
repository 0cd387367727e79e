"""Template context for the page shell: navigation, scope switcher, breadcrumb."""

from __future__ import annotations

from django.urls import reverse

from outbreakhq.core import nav, two_factor
from outbreakhq.core.actor import actor_of
from outbreakhq.core.scope import assignments, capabilities, outermost, visible_areas

SWITCHER_DEPTH = 2  # the user's own areas and two levels below: enough to pick a county


def nav_links(path: str, entries: list[nav.NavEntry]) -> list[tuple[nav.NavEntry, str, bool]]:
    """(entry, url, active): the active entry is the one whose URL is the longest prefix of the
    current path, so /people/duplicates/ lights "Duplicates", not "People"."""
    links = [(e, reverse(e.url_name)) for e in entries]
    matches = [href for _, href in links if path == href or (href != "/" and path.startswith(href))]
    best = max(matches, key=len, default=None)
    return [(e, href, href == best) for e, href in links]


def shell(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    actor = actor_of(request)
    caps = capabilities(actor)
    current = request.scope_area
    roots = outermost([a.area for a in assignments(actor)])
    choices = []
    for root in roots:
        below = visible_areas(actor, within=root).filter(depth__lte=root.depth + SWITCHER_DEPTH)
        choices += list(below.only("code", "name_en", "name_zh", "depth", "path"))
    base_depth = min((r.depth for r in roots), default=0)
    trail = list(current.ancestors()) if current else []
    return {
        "nav_links": nav_links(request.path, [e for e in nav.ENTRIES if e.capability in caps]),
        "capabilities": caps,
        "scope_current": current,
        "scope_choices": [(a, "· " * (a.depth - base_depth)) for a in choices],
        "scope_roots": roots,
        "breadcrumb": [a for a in trail if any(r.contains(a) for r in roots)],
        "roles": sorted({a.get_role_display() for a in assignments(actor)}),
        "two_factor_offered": two_factor.offered(user),  # commanders and administrators
    }
