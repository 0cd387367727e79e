"""A quarantine manager on a phone runs a closed loop: a cohort of the hotel's staff, two
members, today's untested list, a test typed in, a breach recorded; every page fits 390 px."""

from __future__ import annotations

import pytest

from outbreakhq.core.actor import Actor
from outbreakhq.quarantine import services as quarantine
from outbreakhq.quarantine.models import Breach
from tests.browser.conftest import log_in, shot
from tests.factories import PASSWORD, make_person, make_user, territory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a 390 px phone"


def test_manager_keeps_the_hotel_staff_loop_on_a_phone(page, db):
    land = territory()
    manager = make_user("quarantine", land.county1, username="qiu")
    actor = Actor.of(manager)
    site = quarantine.create_site(actor=actor, area=land.county1, name="Harbour Hotel",
                                  kind="hotel")
    people = [make_person(land.compound1, name=n)
              for n in ("Alexandra Konstantinopoulou-Vasilakis", "欧阳秀娜")]
    page.set_viewport_size(PHONE)
    log_in(page, "qiu", PASSWORD)

    page.goto("/quarantine/staff/")
    page.fill("input[name=name]", "Harbour Hotel front line")
    page.select_option("select[name=kind]", "quarantine_site")
    page.select_option("select[name=site]", str(site.pk))
    page.fill("input[name=area]", land.county1.code)
    page.get_by_role("button", name="Create cohort").click()
    page.wait_for_load_state()
    assert "Staff cohort created." in page.locator(".messages").inner_text()
    page.get_by_role("link", name="Harbour Hotel front line").click()
    page.wait_for_load_state()
    for person in people:
        page.fill("input[name=person]", str(person.pk))
        page.get_by_role("button", name="Add to the cohort").click()
        page.wait_for_load_state()
        assert "joined the cohort" in page.locator(".messages").inner_text()
    assert page.locator("#members .tag.bad").count() == 2  # nobody tested today yet
    shot(page, "quarantine-cohort")
    _fits(page)

    page.goto("/quarantine/staff/")
    assert page.locator("#untested li").count() == 2
    _fits(page)
    page.locator("#untested li", has_text=people[0].name).get_by_role(
        "button", name="Record today's test").click()
    page.wait_for_load_state()
    assert page.locator("#untested li").count() == 1
    assert page.locator("#untested", has_text="欧阳秀娜").count() == 1

    page.get_by_role("link", name="Harbour Hotel front line").first.click()
    page.wait_for_load_state()
    card = page.locator("#members li", has_text="欧阳秀娜")
    card.locator("summary", has_text="Record a breach").click()
    card.locator("select[name=kind]").select_option("left_loop")
    card.locator("textarea[name=what]").fill("left the hotel at the end of the shift")
    card.get_by_role("button", name="Record the breach").click()
    page.wait_for_load_state()
    assert "Breach recorded." in page.locator(".messages").inner_text()
    page.goto("/quarantine/staff/")
    assert "left the hotel" in page.locator("#breaches").inner_text()
    assert "Everyone in the loop is tested." in page.content()
    shot(page, "quarantine-staff")
    _fits(page)
    assert Breach.objects.get().recorded_by == manager
