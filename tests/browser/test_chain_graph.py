"""The chain graph of a region with many chains, at a laptop's size: each chain in its own block,
no case drawn over another, numbers hidden when zoomed out and shown when pointed at."""

from __future__ import annotations

from datetime import timedelta

import pytest

from outbreakhq.core.actor import Actor
from outbreakhq.tracing import services
from outbreakhq.tracing.fields import today
from tests.browser.conftest import log_in, shot
from tests.factories import PASSWORD, make_person, make_user, territory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SIZES = [60, 30, 24, 12, 8, 6, 5, 4, 3, 3, 2, 2, 2, 2]  # cases per chain, 163 in all


@pytest.fixture
def region(db):
    land = territory()
    user = make_user("tracer", land.region, username="rita")
    for size in SIZES:
        cases = []
        for n in range(size):  # each case infects up to four others: a bushy tree
            data = {"classification": "confirmed" if n % 3 else "asymptomatic",
                    "report_date": today() - timedelta(days=1), "detection_route": "clinic",
                    "onset_date": today() - timedelta(days=2)}
            if cases:
                data["source_case"] = cases[(n - 1) // 4].pk
            cases.append(services.open_case(actor=Actor.of(user), person_id=make_person(
                land.compound1 if n % 2 else land.compound2).pk, data=data))
    return land


GEOMETRY = """() => {
    const cy = window.outbreakhqChains;
    const cases = cy.nodes(':childless');
    const blocks = cy.nodes('.block').map(b => {
        const box = b.boundingBox({includeLabels: false});
        return {id: b.id(), x1: box.x1, x2: box.x2, y1: box.y1, y2: box.y2,
                cases: b.children().length};
    });
    const points = cases.map(n => n.position());
    let closest = Infinity;
    for (let i = 0; i < points.length; i++) {
        for (let j = i + 1; j < points.length; j++) {
            closest = Math.min(closest, Math.hypot(points[i].x - points[j].x,
                                                   points[i].y - points[j].y));
        }
    }
    const all = cy.elements().renderedBoundingBox();
    return {blocks, closest, cases: cases.length, zoom: cy.zoom(),
            used: {w: all.w / cy.width(), h: all.h / cy.height()},
            quiet: cases.filter(n => n.hasClass('quiet')).length};
}"""


def test_a_region_graph_draws_each_chain_in_its_own_block_and_fills_the_box(page, region):
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, "rita", PASSWORD)
    page.goto("/chains/")
    page.wait_for_selector("#chain-graph[data-ready='1']")
    page.locator("#chain-graph").scroll_into_view_if_needed()
    shot(page, "tracing-chains-region")
    seen = page.evaluate(GEOMETRY)

    assert seen["cases"] == sum(SIZES)
    assert sorted((b["cases"] for b in seen["blocks"]), reverse=True) == SIZES
    blocks = seen["blocks"]
    for i, a in enumerate(blocks):
        for b in blocks[i + 1:]:
            apart = a["x2"] <= b["x1"] or b["x2"] <= a["x1"] or a["y2"] <= b["y1"] \
                or b["y2"] <= a["y1"]
            assert apart, f"{a['id']} and {b['id']} overlap"
    assert seen["closest"] >= 36  # no case drawn over another (a case is 22 px wide)
    # The blocks fill the box both ways, not one long strip across it.
    assert seen["used"]["w"] > 0.6 and seen["used"]["h"] > 0.6, seen["used"]

    # Zoomed out, the numbers are not drawn; pointing at a case shows them, then a tap on a
    # chain's block zooms onto it.
    assert seen["zoom"] * 11 < 8 and seen["quiet"] == seen["cases"]
    shown = page.evaluate("""() => {
        const cy = window.outbreakhqChains;
        const node = cy.getElementById('chain-1').children()[0];
        node.emit('mouseover');
        const lit = cy.nodes('.shown').length;
        node.emit('mouseout');
        cy.getElementById('chain-2').emit('tap');
        return {lit, after: cy.nodes('.shown').length};
    }""")
    assert shown["lit"] >= 2 and shown["after"] == 0
    page.wait_for_function("() => window.outbreakhqChains.zoom() > 0.73")
    page.wait_for_timeout(400)  # the end of the animation
    assert page.evaluate("window.outbreakhqChains.nodes('.quiet').length") == 0
    shot(page, "tracing-chains-region-chain2")
