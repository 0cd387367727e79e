"""A commander's morning, in the browser: the region's dashboard (charts drawn under the CSP),
a drill into a county, a directive issued, today's situation report downloaded as a PDF whose
first page is rendered to PNG and checked not blank."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from outbreakhq.command.models import Directive
from outbreakhq.tracing.fields import today
from tests.browser.conftest import SHOTS, log_in, shot
from tests.command.conftest import spread
from tests.command.pdf import first_page_png, pdf_text
from tests.factories import PASSWORD, make_user, territory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_commander_drills_down_issues_a_directive_and_downloads_the_report(page):
    land = territory()
    tracer = make_user("tracer", land.region, username="tina")
    make_user("commander", land.region, username="chief")
    spread(land, tracer, {d: 1 + (24 - d) // 3 for d in range(0, 25)})
    spread(land, tracer, dict.fromkeys(range(0, 10, 2), 1), area=land.compound2,
           detection_route="community_screening")
    spread(land, tracer, dict.fromkeys(range(0, 6, 3), 1), area=land.compound3,
           detection_route="inbound")

    log_in(page, "chief", PASSWORD)
    expect(page.get_by_role("heading", name="Today in your jurisdiction")).to_be_visible()
    shot(page, "command-home")
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("Test Region"))).to_be_visible()
    # The Vega-Lite charts replace the server's SVG with a canvas once drawn.
    expect(page.locator("#curve-chart canvas")).to_be_visible()
    expect(page.locator("#rt-chart canvas")).to_be_visible()
    shot(page, "command-dashboard-region")

    page.locator("#child-areas").get_by_role("link", name="North Prefecture").click()
    page.locator("#child-areas").get_by_role("link", name="Alder County").click()
    expect(page.get_by_role("heading", name=re.compile("Alder County"))).to_be_visible()
    expect(page.locator("#curve-chart canvas")).to_be_visible()
    shot(page, "command-dashboard-county")

    page.get_by_role("link", name=re.compile("^Directives")).click()
    page.get_by_text("Issue a directive").click()
    page.get_by_label("Directive", exact=True).fill("Screen every resident of Alder County")
    page.get_by_label("Expected result").fill("Every resident sampled within two days")
    page.get_by_label("Owner (user name)").fill("tina")
    page.get_by_label("Deadline").fill((today() + timedelta(days=2)).isoformat())
    page.get_by_role("button", name="Issue").click()
    expect(page.get_by_role("heading", name="Screen every resident of Alder County")
           ).to_be_visible()
    assert Directive.objects.get().area == land.county1
    shot(page, "command-directives")

    page.get_by_role("link", name="Back to the dashboard").click()
    # The PDF is made by the task worker (issue 15): the page waits for it, then offers it
    # without being reloaded (htmx asks again every 2 s).
    page.get_by_role("link", name="Download PDF").click()
    expect(page.get_by_text("The PDF is being made in the background")).to_be_visible()
    call_command("db_worker", "--batch", verbosity=0)
    with page.expect_download() as download:
        page.locator("#sitrep-pdf-download").click(timeout=15000)
    pdf = (download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "Situation report: Alder County" in text
    assert "Screen every resident of Alder County" in text
    SHOTS.mkdir(parents=True, exist_ok=True)
    inked, share = first_page_png(pdf, SHOTS / "command-sitrep-page1.png")
    assert inked > 5000 and share > 0.01  # headings, figures and the curve: not blank


def test_an_analyst_on_a_phone_drills_into_an_area_from_the_map(page):
    land = territory()
    tracer = make_user("tracer", land.region, username="tina")
    make_user("analyst", land.region, username="ana")
    for area, population in ((land.pref1, 300_000), (land.pref2, 50_000)):
        area.population = population
        area.save(update_fields=["population"])
    spread(land, tracer, dict.fromkeys(range(0, 7), 3))
    spread(land, tracer, dict.fromkeys(range(0, 7), 1), area=land.compound3)

    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "ana", PASSWORD)
    page.goto(reverse("dashboard_area", args=[land.region.code]))
    area_map = page.locator("#area-map svg")
    expect(area_map).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = area_map.bounding_box()
    assert box["width"] <= 390 and box["height"] > 100
    shot(page, "command-map-phone")
    page.locator("#area-map a[aria-label^='South Prefecture']").click()
    expect(page.get_by_role("heading", name=re.compile("South Prefecture"))).to_be_visible()
