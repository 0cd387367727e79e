"""The dashboard's map of the areas one level down, drawn on the server as SVG (no map
library, no tiles: the approach of zones' risk map, zones/shapes.py, which command may not
import). Each area links to its own dashboard and is coloured by its risk grade when zones
grades any of them (asked: `zones.grades_of_many`), else by incidence: cases per 100,000 residents
over the last 7 days, from the daily aggregates (figures.child_rows). Aggregates only.

Areas with a shape (core Area.shape, GeoJSON in longitude/latitude) are drawn as such; when
any lacks one, the areas share the frame as a near-square grid of equal cells, in code order.
The drawing (`incidence_class`, `rings_of`, `grid_boxes`, `svg_map`) is pure: no database.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from outbreakhq import protocols
from outbreakhq.core.grades import grade_label

# Upper bounds of the incidence classes (cases per 100,000 in 7 days); above the last: the
# highest class. 0 is a class of its own: no case is not "few cases".
INCIDENCE_BOUNDS = (10, 50, 100, 500)
SIZE = 600


def incidence_class(per_100k: float | None) -> str:
    """`inc-none` (no population known), `inc-0` (no case), then `inc-1`… by the bounds."""
    if per_100k is None:
        return "inc-none"
    if per_100k <= 0:
        return "inc-0"
    return f"inc-{1 + sum(1 for bound in INCIDENCE_BOUNDS if per_100k >= bound)}"


def legend_rows() -> list[tuple[str, str]]:
    """(css class, range text) of each incidence class, lowest first."""
    rows = [("inc-0", "0")]
    low = 0
    for i, bound in enumerate(INCIDENCE_BOUNDS, start=1):
        rows.append((f"inc-{i}", f"{low}–{bound}" if low else f"< {bound}"))
        low = bound
    rows.append((f"inc-{len(INCIDENCE_BOUNDS) + 1}", f"≥ {low}"))
    return rows


def rings_of(shape: Mapping | None) -> list[list[tuple[float, float]]]:
    """The outer rings of a GeoJSON Polygon or MultiPolygon (anything else: none)."""
    if not shape:
        return []
    kind, coords = shape.get("type"), shape.get("coordinates") or []
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    return [[(float(x), float(y)) for x, y, *_ in polygon[0]]
            for polygon in polygons if polygon and len(polygon[0]) >= 3]


def grid_boxes(count: int, size: float = SIZE) -> list[list[tuple[float, float]]]:
    """`count` equal squares in rows of ceil(√count), `size` wide, as closed rings."""
    if count <= 0:
        return []
    cols = math.ceil(math.sqrt(count))
    w = h = size / cols
    gap = w * 0.06
    cells = []
    for i in range(count):
        r, c = divmod(i, cols)
        x0, y0, x1, y1 = c * w + gap, r * h + gap, (c + 1) * w - gap, (r + 1) * h - gap
        cells.append([(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)])
    return cells


@dataclass(frozen=True)
class MapArea:
    code: str
    name: str
    css: str  # inc-… or grade-rank-…
    label: str  # the tooltip's figure: "12.5 per 100,000" or the grade's name
    href: str
    rings: list[list[tuple[float, float]]]


def svg_map(areas: Sequence[MapArea], *, title: str, flip: bool, size: int = SIZE) -> str:
    """One <svg>: a linked path per area, its class colouring it (command.css), its name and
    figure as a tooltip and as the link's accessible name. `flip`: geographic (north up)."""
    drawn = [a for a in areas if a.rings]
    xs = [x for a in drawn for ring in a.rings for x, _ in ring]
    ys = [y for a in drawn for ring in a.rings for _, y in ring]
    if not xs:
        return ""
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    scale = size / max(x1 - x0, y1 - y0, 1e-9)
    width, height = (x1 - x0) * scale, (y1 - y0) * scale
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="area-map" role="img" '
             f'viewBox="0 0 {width:.0f} {height:.0f}" aria-label={quoteattr(title)}>']
    for a in drawn:
        path = " ".join(
            "M" + " L".join(f"{(x - x0) * scale:.1f},"
                            f"{((y1 - y) if flip else (y - y0)) * scale:.1f}" for x, y in ring)
            + " Z" for ring in a.rings)
        text = f"{a.name}: {a.label}"
        parts.append(f"<a href={quoteattr(a.href)} aria-label={quoteattr(text)}>"
                     f'<path class="area {escape(a.css)}" d="{path}"><title>{escape(text)}'
                     f"</title></path></a>")
    parts.append("</svg>")
    return "".join(parts)


def dashboard_map(rows: list[dict], day) -> dict | None:
    """The map of `rows` (figures.child_rows: the areas one level down); None without areas.
    Coloured by grade (ranked by the protocol preset, highest first) when any row has one."""

    if not rows:
        return None
    graded = any(row["grade"] for row in rows)
    grades = list(protocols.current().grading.grades)
    own = all(row["area"].shape for row in rows)
    cells = iter(grid_boxes(len(rows)))
    language, query = get_language(), f"?date={day.isoformat()}"
    areas = []
    for row in sorted(rows, key=lambda r: r["area"].code):
        area = row["area"]
        if graded:
            grade = row["grade"]
            css = (f"grade-rank-{grades.index(grade)}" if grade in grades
                   else "grade-none")
            label = str(grade_label(grade))
        else:
            css = incidence_class(row["per_100k"])
            label = (_("population unknown") if row["per_100k"] is None else
                     _("%(n)s per 100,000 in 7 days") % {"n": f"{row['per_100k']:.1f}"})
        areas.append(MapArea(area.code, area.display_name(language), css, label,
                             reverse("dashboard_area", args=[area.code]) + query,
                             rings_of(area.shape) if own else [next(cells)]))
    title = (_("Areas below by risk grade") if graded
             else _("Areas below by new cases per 100,000 residents in the last 7 days"))
    legend = ([(f"grade-rank-{i}", str(grade_label(g))) for i, g in enumerate(grades)]
              + [("grade-none", str(grade_label(None)))] if graded
              else [*legend_rows(), ("inc-none", _("population unknown"))])
    return {"svg": svg_map(areas, title=title, flip=own), "graded": graded, "title": title,
            "legend": legend}
