"""A commander, on a phone, previews moving to the twenty measures today and applies it: the
person whose schedule is complete and negative under the new rules is released."""

from __future__ import annotations

from datetime import timedelta

import pytest

from outbreakhq.core.actor import Actor
from outbreakhq.quarantine import services as quarantine
from outbreakhq.quarantine.models import Stay
from outbreakhq.quarantine.services.stays import today
from tests.browser.conftest import log_in, shot
from tests.factories import PASSWORD, make_person, make_user, territory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def stays(db, settings):
    settings.OUTBREAKHQ_PROTOCOL = "cn-9th-edition"
    land = territory()
    manager = Actor.of(make_user("quarantine", land.county1))
    make_user("commander", land.county1, username="chen")
    site = quarantine.create_site(actor=manager, area=land.county1, name="Harbour Hotel",
                                  kind="hotel")
    rooms = quarantine.add_rooms(actor=manager, site_id=site.pk, building="A", floor="1",
                                 numbers=["101", "102"], beds=1)
    start = today() - timedelta(days=7)  # day 8: the last day under the twenty measures
    done = quarantine.place(actor=manager, person_id=make_person(
        land.compound1, name="Alexandra Konstantinopoulou-Vasilakis").pk, site_id=site.pk,
        room_id=rooms[0].pk, start=start)
    for n in (1, 2, 3, 5, 7, 6, 8):
        done.tests.create(tenant_id=done.tenant_id, day=n, date=start + timedelta(days=n - 1),
                          result="negative")
    recent = quarantine.place(actor=manager, person_id=make_person(
        land.compound1, name="欧阳秀娜").pk, site_id=site.pk, room_id=rooms[1].pk)
    return done, recent


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a 390 px phone"


def test_a_commander_previews_and_applies_a_preset_switch(page, stays):
    done, recent = stays
    page.set_viewport_size(PHONE)
    log_in(page, "chen", PASSWORD)
    page.goto("/quarantine/switch/")
    page.select_option("select[name=to]", "cn-20-measures")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_load_state()
    row = page.locator("#switch-preview tbody tr", has_text="Konstantinopoulou")
    assert "Released" in row.inner_text()
    assert "Released" not in page.locator("#switch-preview tbody tr",
                                          has_text="欧阳秀娜").inner_text()
    shot(page, "quarantine-switch-preview")
    _fits(page)
    page.check("#switch-apply input[name=confirm]")
    page.get_by_role("button", name="Apply the switch").click()
    page.wait_for_load_state()
    assert "2 stays now follow cn-20-measures; 1 person released." in page.locator(
        ".messages").inner_text()
    shot(page, "quarantine-switch-applied")
    _fits(page)
    assert Stay.objects.get(pk=done.pk).status == "released"
    assert Stay.objects.get(pk=recent.pk).planned_end == today() + timedelta(days=7)
