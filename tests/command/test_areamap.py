"""The dashboard's map of the areas below: incidence classes, shapes or a grid, links."""

from __future__ import annotations

import re

from django.urls import reverse

from outbreakhq.command import areamap
from tests.factories import logged_in


def test_incidence_classes_keep_no_case_and_no_population_apart():
    assert areamap.incidence_class(None) == "inc-none"
    assert areamap.incidence_class(0) == "inc-0"
    assert areamap.incidence_class(0.4) == "inc-1"
    assert areamap.incidence_class(10) == "inc-2"  # a bound opens the next class
    assert areamap.incidence_class(99.9) == "inc-3"
    assert areamap.incidence_class(5000) == "inc-5"
    assert [css for css, _text in areamap.legend_rows()] == [f"inc-{i}" for i in range(6)]
    assert areamap.legend_rows()[-1][1] == "≥ 500"


def test_the_grid_gives_every_area_its_own_cell_inside_the_frame():
    cells = areamap.grid_boxes(7, size=600)
    assert len(cells) == 7
    boxes = [(min(x for x, _ in c), min(y for _, y in c), max(x for x, _ in c),
              max(y for _, y in c)) for c in cells]
    assert all(0 <= x0 < x1 <= 600 and 0 <= y0 < y1 <= 600 for x0, y0, x1, y1 in boxes)
    for i, a in enumerate(boxes):  # no two cells overlap
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


def test_geographic_shapes_are_drawn_north_up_with_links_and_names():
    square = {"type": "Polygon", "coordinates": [[[100, 30], [101, 30], [101, 31], [100, 30]]]}
    svg = areamap.svg_map([areamap.MapArea("A1", "Alder <County>", "inc-3", "60.0 per 100,000",
                                           "/dashboard/A1/", areamap.rings_of(square))],
                          title="Map", flip=True)
    assert 'href="/dashboard/A1/"' in svg and "Alder &lt;County&gt;" in svg
    assert 'class="area inc-3"' in svg
    # (100, 30), the south-west corner, is drawn at the bottom left.
    assert re.search(r'd="M0\.0,600\.0 ', svg)
    assert areamap.svg_map([], title="Map", flip=True) == ""


def test_an_analyst_sees_the_map_by_incidence_with_a_legend(outbreak):
    land = outbreak.land
    for county in (land.county1, land.county2):
        county.population = 100_000
        county.save(update_fields=["population"])
    page = logged_in(outbreak.analyst).get(
        reverse("dashboard_area", args=[land.pref1.code])).content.decode()
    svg = re.search(r'<svg[^>]*class="area-map".*?</svg>', page, re.S).group(0)
    assert svg.count("<path") == 2  # North Prefecture's two counties
    assert reverse("dashboard_area", args=[land.county1.code]) in svg
    assert "per 100,000 in 7 days" in svg and 'class="map-legend"' in page
    assert "Patient" not in page  # aggregates only


def test_the_map_is_coloured_by_grade_when_zones_grade_an_area(outbreak, monkeypatch):
    from outbreakhq.core import hooks

    monkeypatch.setitem(hooks.PROVIDERS, "zones.grades_of_many", lambda paths, day: {
        path: "high" if "990100" in path else None for path in paths})
    page = logged_in(outbreak.commander).get(
        reverse("dashboard_area", args=[outbreak.land.region.code])).content.decode()
    svg = re.search(r'<svg[^>]*class="area-map".*?</svg>', page, re.S).group(0)
    assert 'class="area grade-rank-0"' in svg and 'class="area grade-none"' in svg
    assert "by risk grade" in page
