"""A commander's risk areas, in the browser: a case is reported, the regrading proposes its
compound high, the commander approves, the public list and the map show it; a quiet week and a
negative round later the step down to medium is proposed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from outbreakhq.core import events
from outbreakhq.core.actor import Actor
from outbreakhq.core.events import ScreeningRoundClosed
from outbreakhq.zones.models import Designation
from outbreakhq.zones.services.designations import approve, regrade
from tests.browser.conftest import log_in, shot
from tests.factories import PASSWORD, make_person, make_user, territory
from tests.tracing.conftest import open_case

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_commander_approves_a_high_area_and_later_sees_the_step_down_proposed(page):
    land = territory()
    tracer = make_user("tracer", land.county1)
    make_user("commander", land.region, username="cora")
    open_case(tracer, make_person(land.compound1, name="Wang Fang"))
    today = timezone.localdate()
    regrade(day=today)  # the daily job, run by hand

    log_in(page, "cora", PASSWORD)
    page.get_by_role("link", name="Proposals", exact=True).click()
    expect(page).to_have_title(re.compile("Risk-area proposals"))
    row = page.locator("tbody tr", has_text=land.compound1.code)
    expect(row).to_contain_text("high risk")
    shot(page, "zones-proposals")
    row.get_by_role("button", name="Approve").click()
    expect(page.locator(".messages")).to_contain_text("is high from")
    expect(page.locator("main .empty")).to_contain_text("No proposal is waiting")

    page.get_by_role("link", name="Risk areas", exact=True).click()
    expect(page.locator("svg.risk-map path.grade-high")).to_have_count(1)
    shot(page, "zones-overview")
    page.locator("svg.risk-map a:has(path.grade-high)").click()
    expect(page.locator("h1")).to_contain_text(land.compound1.name_en)
    expect(page.locator("main")).to_contain_text("0 / 7")

    public = page.context.browser.new_page(base_url=page.url.split("/risk-areas")[0])
    public.goto("/public/risk-areas/")
    expect(public.locator(f"#area-{land.compound1.code}")).to_contain_text(
        str(today + timedelta(days=11)))
    expect(public.locator("svg.risk-map path.grade-high")).to_have_count(1)
    assert "Wang Fang" not in public.content()
    shot(public, "zones-public")
    public.close()

    day7 = today + timedelta(days=7)
    events.publish(ScreeningRoundClosed(actor=Actor.of(tracer), area_path=land.compound1.path,
                                        day=day7, complete=True, all_negative=True))
    regrade(day=day7)
    page.get_by_role("link", name="Proposals", exact=True).click()
    row = page.locator("tbody tr", has_text=land.compound1.code)
    expect(row).to_contain_text("medium risk")
    expect(row).to_contain_text(str(today + timedelta(days=8)))
    shot(page, "zones-step-down")


PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("url", ["/risk-areas/", "/risk-areas/proposals/", "/risk-areas/alerts/",
                                 "/public/risk-areas/"])
def test_risk_area_pages_fit_a_phone(page, url):
    land = territory()
    tracer = make_user("tracer", land.region)
    make_user("commander", land.region, username="cora")
    open_case(tracer, make_person(land.compound1))
    open_case(tracer, make_person(land.compound2))
    regrade()
    approve(actor=Actor.of(make_user("commander", land.region)),
            designation_id=Designation.objects.filter(area=land.compound1).get().pk)
    page.set_viewport_size(PHONE)
    log_in(page, "cora", PASSWORD)
    page.goto(url)
    shot(page, "phone-zones-" + url.strip("/").replace("/", "-"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{url} is {width} px wide on a 390 px phone"
