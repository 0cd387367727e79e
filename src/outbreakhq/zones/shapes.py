"""Area shapes and the risk map, drawn on the server as SVG (no map library, no tile server).

An area's own shape (core Area.shape, a GeoJSON Polygon or MultiPolygon in longitude/latitude)
is drawn when it has one. A tree without shapes (the simulator's territory has no coordinates)
gets a block layout: each area's children share its rectangle as a grid of equal cells, with a
gap, so that a county's compounds sit inside the county. `fill_missing_shapes` stores that
layout in Area.shape for a demo; the map computes it on the fly for areas still without one.

Pure functions first (no Django): `grid_layout`, `rings_of`, `svg_paths`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

Box = tuple[float, float, float, float]  # x0, y0, x1, y1
WORLD: Box = (0.0, 0.0, 1000.0, 1000.0)
MAX_DRAWN = 2500  # more areas than this: draw a coarser level


def grid_layout(children: Mapping[str | None, list[str]], root: str, box: Box = WORLD
                ) -> dict[str, Box]:
    """Rectangles for `root` and every area below it (children: parent code -> child codes,
    in order); each area's children fill its rectangle as a near-square grid."""
    boxes = {root: box}
    stack = [root]
    while stack:
        code = stack.pop()
        kids = children.get(code, [])
        if not kids:
            continue
        x0, y0, x1, y1 = boxes[code]
        gap = min(x1 - x0, y1 - y0) * 0.04
        x0, y0, x1, y1 = x0 + gap, y0 + gap, x1 - gap, y1 - gap
        # Cells as near square as the rectangle allows: more columns in a wide one.
        aspect = (x1 - x0) / max(y1 - y0, 1e-9)
        cols = max(1, min(len(kids), round(math.sqrt(len(kids) * aspect))))
        rows = math.ceil(len(kids) / cols)
        w, h = (x1 - x0) / cols, (y1 - y0) / rows
        for i, kid in enumerate(kids):
            r, c = divmod(i, cols)
            inset = min(w, h) * 0.03
            boxes[kid] = (x0 + c * w + inset, y0 + r * h + inset,
                          x0 + (c + 1) * w - inset, y0 + (r + 1) * h - inset)
            stack.append(kid)
    return boxes


def box_polygon(box: Box) -> dict:
    x0, y0, x1, y1 = (round(v, 3) for v in box)
    return {"type": "Polygon",
            "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def rings_of(shape: Mapping | None) -> list[list[tuple[float, float]]]:
    """The outer rings of a GeoJSON Polygon or MultiPolygon (others: none)."""
    if not shape:
        return []
    kind, coords = shape.get("type"), shape.get("coordinates") or []
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    rings = []
    for polygon in polygons:
        if polygon and len(polygon[0]) >= 3:
            rings.append([(float(x), float(y)) for x, y, *_ in polygon[0]])
    return rings


@dataclass(frozen=True)
class Drawn:
    code: str
    name: str
    grade: str | None
    href: str
    rings: list[list[tuple[float, float]]]
    outline: bool = False  # a parent drawn under its children, for orientation


def svg_map(drawn: Iterable[Drawn], *, title: str, flip: bool, size: int = 600) -> str:
    """One <svg>: a path per area with class `grade-<grade>` (colours in zones.css), a link to
    its page and its name as a tooltip. `flip`: geographic shapes (north up)."""
    drawn = [d for d in drawn if d.rings]
    xs = [x for d in drawn for ring in d.rings for x, _ in ring]
    ys = [y for d in drawn for ring in d.rings for _, y in ring]
    if not xs:
        return ""
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    scale = size / max(x1 - x0, y1 - y0, 1e-9)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="risk-map" role="img" '
             f'viewBox="0 0 {size} {size}" aria-label={quoteattr(title)}>']
    for d in drawn:
        path = " ".join(
            "M" + " L".join(f"{(x - x0) * scale:.1f},"
                            f"{((y1 - y) if flip else (y - y0)) * scale:.1f}" for x, y in ring)
            + " Z" for ring in d.rings)
        css = ("outline" if d.outline else f"area grade-{d.grade}" if d.grade
               else "area ungraded")
        label = f"{d.name} ({d.code})" + (f": {d.grade}" if d.grade else "")
        shape = (f'<path class="{escape(css)}" d="{path}"><title>{escape(label)}</title>'
                 f"</path>")
        parts.append(f"<a href={quoteattr(d.href)}>{shape}</a>" if d.href else shape)
    parts.append("</svg>")
    return "".join(parts)


def children_of(rows: Iterable[tuple[str, str | None]]) -> dict[str | None, list[str]]:
    """(code, parent code) rows, in path order, as parent -> children."""
    children: dict[str | None, list[str]] = defaultdict(list)
    for code, parent in rows:
        children[parent].append(code)
    return children
