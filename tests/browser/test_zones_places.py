"""A key place on a phone (390 px): its people, its testing frequency and today's compliance; a
person is added by record number and the page still fits without sideways scrolling."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from outbreakhq.core.actor import Actor
from outbreakhq.zones.services import places
from tests.browser.conftest import log_in, shot
from tests.factories import PASSWORD, make_person, make_user, territory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a 390 px phone"


def test_a_key_place_page_adds_a_person_and_fits_a_phone(page):
    land = territory()
    tracer = make_user("tracer", land.county1, username="tina")
    place = places.register_place(actor=Actor.of(tracer), data={
        "area": land.compound1.code, "kind": "nursing_home",
        "name": "Evergreen Home for the Elderly by the East Gate of the Old Market",
        "people": "2"})
    places.add_member(actor=Actor.of(tracer), place_id=place.pk,
                      person_id=make_person(land.compound1, name="欧阳秀娜欧阳秀娜").pk)
    newcomer = make_person(land.compound1, name="Alexandra Konstantinopoulou-Vasilakis")

    page.set_viewport_size(PHONE)
    log_in(page, "tina", PASSWORD)
    page.goto("/risk-areas/places/")
    _fits(page)
    page.get_by_role("link", name=place.name).click()
    expect(page.locator("main")).to_contain_text("not graded: no routine testing")
    page.fill("input[name=person]", str(newcomer.pk))
    page.get_by_role("button", name="Add to the place").click()
    expect(page.locator("main")).to_contain_text("Alexandra Konstantinopoulou-Vasilakis")
    shot(page, "phone-zones-place")
    _fits(page)
