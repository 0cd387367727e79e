"""The read side of risk areas: grades in force within a scope, residents per grade, the map,
proposals and alerts waiting. Aggregates and area names only; scoped by the actor's areas."""

from __future__ import annotations

from collections import Counter
from datetime import date

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from outbreakhq import protocols
from outbreakhq.core.actor import Actor
from outbreakhq.core.models import Area, Person
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import scope_areas
from outbreakhq.zones import shapes
from outbreakhq.zones.clocks import clock_rules, in_force
from outbreakhq.zones.models import Alert, Designation, Status


def scope_roots(actor: Actor, capability: str, within: Area | None) -> list[Area]:
    return scope_areas(actor, capability, within=within)


def in_force_within(actor: Actor, day: date, within: Area | None,
                    capability: str = Can.VIEW_AGGREGATES):
    if not scope_roots(actor, capability, within):
        return Designation.objects.none()
    return in_force(day, Designation.objects.visible_to(actor, capability, within=within))


def measures() -> list[dict]:
    """Each grade with its measures in the interface language, highest first."""
    grading = protocols.current().grading
    zh = (get_language() or "").startswith("zh")
    return [{"grade": g, "text": grading.measures[g].zh if zh else grading.measures[g].en,
             "stay_home": grading.measures[g].residents_stay_home,
             "may_leave": grading.measures[g].may_leave_area,
             "test_every_days": grading.measures[g].test_every_days} for g in grading.grades]


def residents_per_grade(actor: Actor, day: date, within: Area | None) -> dict[str, int]:
    """People living in each grade's areas (their home area or its nearest designated
    ancestor), counted over the people the actor's scope holds."""
    designated = dict(in_force_within(actor, day, within).values_list("area__code", "grade"))
    counts: Counter[str] = Counter()
    if not designated:
        return {}
    people = (Person.objects.visible_to(actor, Can.VIEW_AGGREGATES, within=within).order_by()
              .values_list("home_area__path").annotate(n=Count("id")))
    for path, n in people:
        for code in reversed([c for c in path.split("/") if c]):
            if code in designated:
                counts[designated[code]] += n
                break
    return dict(counts)


def risk_map(roots: list[Area], grades: dict[str, str], *, href, title: str) -> str:
    """SVG of the areas under `roots`, at the deepest level with few enough areas to draw,
    coloured by the grade they stand in (their own or an ancestor's) or, for a coarser area,
    the highest grade inside it."""
    rank = {g: i for i, g in enumerate(clock_rules().grades)}
    svgs = []
    for root in roots:
        rows = list(Area.objects.subtree(root).order_by("path").values_list(
            "code", "parent__code", "depth", "name_en", "name_zh", "shape", "path"))
        per_depth = Counter(r[2] for r in rows)
        depth = max((d for d, n in per_depth.items() if n <= shapes.MAX_DRAWN),
                    default=root.depth)
        drawn_rows = [r for r in rows if r[2] == depth]
        parents = [r for r in rows if r[2] == depth - 1] if depth > root.depth else []
        own = all(r[5] for r in drawn_rows)
        layout = {} if own else shapes.grid_layout(
            shapes.children_of((r[0], r[1]) for r in rows if r[2] <= depth), root.code)
        contained: dict[str, str] = {}
        path_of = {r[0]: r[6] for r in rows}
        for code, grade in grades.items():
            area_path = path_of.get(code)
            if area_path is None:
                continue
            codes = [c for c in area_path.split("/") if c]
            if len(codes) - 1 > depth:
                holder = codes[depth]
                if holder not in contained or rank[grade] < rank[contained[holder]]:
                    contained[holder] = grade
        zh = (get_language() or "").startswith("zh")
        drawn = [shapes.Drawn(code, name_zh if zh and name_zh else name_en, None, "",
                              shapes.rings_of(shape if own else shapes.box_polygon(layout[code])),
                              outline=True)
                 for code, _p, _d, name_en, name_zh, shape, _path in parents
                 if (shape if own else code in layout)]
        for code, _parent, _depth, name_en, name_zh, shape, path in drawn_rows:
            inherited = next((grades[c] for c in reversed([c for c in path.split("/") if c])
                              if c in grades), None)
            grade = inherited or contained.get(code)
            rings = (shapes.rings_of(shape) if own else
                     shapes.rings_of(shapes.box_polygon(layout[code])) if code in layout else [])
            drawn.append(shapes.Drawn(code, (name_zh if zh and name_zh else name_en), grade,
                                      href(code), rings))
        svgs.append(shapes.svg_map(drawn, title=title, flip=own))
    return "".join(svgs)


def area_href(code: str) -> str:
    return reverse("zones_area", args=[code])


def proposals_waiting(actor: Actor, within: Area | None):
    return (Designation.objects.visible_to(actor, Can.APPROVE_ZONES, within=within)
            .filter(status=Status.PROPOSED).select_related("area").order_by("since", "id"))


def alerts_open(actor: Actor, within: Area | None):
    return (Alert.objects.visible_to(actor, Can.ACKNOWLEDGE_ALERTS, within=within)
            .filter(acknowledged_at__isnull=True).select_related("area"))


def home_context(actor: Actor, area: Area | None) -> dict | None:
    """The commander's home panel: proposals waiting, alerts not yet acknowledged."""
    proposals = proposals_waiting(actor, area).count()
    alerts = alerts_open(actor, area).count() if scope_roots(
        actor, Can.ACKNOWLEDGE_ALERTS, area) else 0
    return {"proposals": proposals, "alerts": alerts}


def tile_context(actor: Actor, area: Area | None) -> dict:
    """Dashboard tile: areas per grade in force today within the scope picked."""
    rows = (in_force_within(actor, timezone.localdate(), area).order_by().values("grade")
            .annotate(n=Count("id")))
    counts = {r["grade"]: r["n"] for r in rows}
    return {"grades": [(g, counts.get(g, 0)) for g in clock_rules().grades[:-1]],
            "label": _("Risk areas")}
