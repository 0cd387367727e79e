"""The tracing lists at a laptop's width: names, phones, dates and record numbers stay on one
line; the free-text columns (areas, tracers, found-by) take the wrapping."""

from __future__ import annotations

from datetime import timedelta

import pytest

from outbreakhq.core.actor import Actor
from outbreakhq.core.models import Area
from outbreakhq.tracing import services
from outbreakhq.tracing.fields import today
from outbreakhq.tracing.models import Contact, Team
from tests.browser.conftest import log_in, shot
from tests.factories import PASSWORD, make_person, make_user, territory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# The most lines any text of a cell takes, for the cells of the given columns (1-based).
LINES = """(columns) => [...document.querySelectorAll('main table tbody tr')].flatMap(row =>
    columns.map(n => {
        const cell = row.children[n - 1];
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        let lines = 0;
        for (let text = walker.nextNode(); text; text = walker.nextNode()) {
            if (!text.textContent.trim()) { continue; }
            const range = document.createRange();
            range.selectNodeContents(text);
            lines = Math.max(lines, [...range.getClientRects()].filter(r => r.width > 0).length);
        }
        return [n, cell.textContent.trim(), lines];
    }))"""


@pytest.fixture
def crowded(db):
    """A county whose compound and team have long names, and contacts with Chinese names."""
    land = territory()
    Area.objects.filter(pk=land.compound1.pk).update(
        name_en="Heyun Garden Compound, Building Seven by the East Gate of the Old Market",
        name_zh="和云花园小区老市场东门七号楼")
    tracer = make_user("tracer", land.county1, username="tina")
    team = Team.objects.create(area=land.county1, name="Alder County evening tracing team")
    team.members.add(tracer)
    case = services.open_case(
        actor=Actor.of(tracer), person_id=make_person(land.compound1, name="欧阳建国").pk,
        data={"classification": "confirmed", "report_date": today() - timedelta(days=1),
              "onset_date": today() - timedelta(days=3), "detection_route": "controlled_screening"})
    for name in ("张秀丽", "黄洋欣", "欧阳秀娜", "陈浩悦"):
        services.add_contact(
            actor=Actor.of(tracer), case_id=case.pk, person_id=make_person(land.compound1,
                                                                           name=name).pk,
            data={"contact_type": "household", "last_exposure": today() - timedelta(days=1)})
    Contact.objects.update(team=team, tracer=tracer)
    return land


@pytest.mark.parametrize(("url", "columns"), [
    ("/contacts/", [1, 2, 4, 5, 6]),       # number, name, source, last exposure, follow-up
    ("/cases/", [1, 2, 4, 5, 7]),          # number, name, reported, onset, source
    ("/followups/?list=due&who=all", [1, 2, 3, 4, 5]),  # number, name, phone, day, last seen
])
def test_no_name_phone_date_or_number_wraps_at_1366_px(page, crowded, url, columns):
    page.set_viewport_size({"width": 1366, "height": 800})
    log_in(page, "tina", PASSWORD)
    page.goto(url)
    page.wait_for_selector("main table tbody tr")
    cells = page.evaluate(LINES, columns)
    shot(page, "tracing-list-1366-" + url.strip("/").split("/")[0])
    assert cells and all(lines == 1 for _, _, lines in cells), \
        [c for c in cells if c[2] != 1]
