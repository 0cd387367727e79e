"""The bulk placement's preview on a phone says when more people wait than it shows, and keeps a
household whole across its cut."""

from __future__ import annotations

import pytest

from outbreakhq.core.actor import Actor
from outbreakhq.quarantine import placement
from outbreakhq.quarantine import services as quarantine
from tests.browser.conftest import log_in, shot
from tests.factories import PASSWORD, make_person, make_user, territory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_preview_says_how_many_of_those_waiting_it_shows(page, monkeypatch):
    monkeypatch.setattr(placement, "PREVIEW_LIMIT", 2)
    land = territory()
    manager = make_user("quarantine", land.county1, username="qiu")
    actor = Actor.of(manager)
    site = quarantine.create_site(actor=actor, area=land.county1, name="Harbour Hotel",
                                  kind="hotel")
    quarantine.add_rooms(actor=actor, site_id=site.pk, building="A", floor="1",
                         numbers=["101", "102"], beds=2)
    for name, household in (("Li Wei", ""), ("Li Na", "Li"), ("Zhang Min", ""),
                            ("Li Lei", "Li")):
        quarantine.add_awaiting(actor=actor, household=household,
                                person_id=make_person(land.compound1, name=name).pk)
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "qiu", PASSWORD)
    page.goto("/quarantine/awaiting/bulk/")
    notice = page.locator("#preview-cut").inner_text()
    assert "3 of 4 people awaiting are shown: place them, then preview again" in notice
    rows = page.locator("#plan tbody tr").all_inner_texts()
    assert any("Li Na, Li Lei" in row for row in rows)  # the household the cut split, whole
    assert not any("Zhang Min" in row for row in rows)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "quarantine_bulk_preview_cut")
