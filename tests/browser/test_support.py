"""Residents' support on a phone (390 px): a resident asks for dialysis on the public page, the
request jumps above fifty food orders in the community worker's queue, a medical team takes it
and delivers, and the resident sees it with the reference number and check code. Then a
stranded traveller found eligible goes on a departure batch and the manifest lists them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from outbreakhq.core import hooks
from tests.browser.conftest import log_in, shot
from tests.factories import PASSWORD, make_person, make_user, territory
from tests.support.factories import make_batch, make_request, make_team, make_traveller

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def city(monkeypatch):
    land = territory()
    community = land.compound1.parent
    make_user("community", community.parent, username="cora")
    earlier = timezone.now() - timedelta(hours=1)
    for i in range(50):
        make_request(community, kind="food", received=earlier + timedelta(seconds=i),
                     phone=f"1380000{i:04d}", name=f"Food order {i}")
    make_team(community, kind="volunteer", name="Volunteers of Heyun")
    make_team(community, kind="medical", name="Medical team 3")
    traveller = make_traveller(land.compound1, person=make_person(land.compound1,
                                                                  name="Traveller Zhao Lei"))
    make_traveller(land.compound1, person=make_person(land.compound1, name="Traveller Qian"))
    results = {traveller.person_id: [(timezone.now() - timedelta(hours=6), "negative")]}
    monkeypatch.setitem(hooks.PROVIDERS, "screening.results_of_many",
                        lambda pids: {p: results[p] for p in pids if p in results})
    batch = make_batch(land.compound1, means="Coach K1024", destination="Chengdu", capacity=30)
    return {"community": community, "batch": batch}


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a 390 px phone"


def test_dialysis_jumps_the_queue_and_the_resident_follows_it(page, city):
    page.set_viewport_size(PHONE)
    # the resident, not signed in
    page.goto("/public/support/")
    _fits(page)
    page.select_option("#kind", "dialysis")
    page.fill("#name", "Li Na")
    page.select_option("#area", city["community"].code)
    page.fill("#address", "Building 3, unit 2, room 401")
    page.fill("#phone", "13800138000")
    page.fill("#text", "Dialysis every Tuesday and Friday; next session tomorrow 8:00")
    shot(page, "support-public-form")
    page.get_by_role("button", name="Send").click()
    reference = page.locator("#reference").inner_text().strip()
    code = page.locator("#code").inner_text().strip()
    assert reference.startswith("S") and len(code) == 8
    shot(page, "support-public-sent")
    _fits(page)

    # the community worker
    log_in(page, "cora", PASSWORD)
    page.goto("/support/")
    _fits(page)
    first = page.locator("#queue tbody tr").first
    assert first.get_attribute("data-reference") == reference
    assert page.locator("#queue tbody tr").count() == 50  # one page: dialysis + 49 food
    shot(page, "support-queue-phone")
    first.get_by_role("link", name=reference).click()
    page.get_by_role("button", name="Confirm the triage").click()
    page.select_option("#team-choice", label="Medical team 3 (Medical team)")
    page.get_by_role("button", name="Assign to this team").click()
    assert "Medical team 3" in page.locator("#team").inner_text()
    page.get_by_role("button", name="Mark in progress").click()
    page.get_by_role("button", name="Mark delivered").click()
    assert page.locator("#status").inner_text().strip() == "Delivered"
    _fits(page)
    shot(page, "support-request-delivered")

    # the resident follows the request
    page.goto("/public/support/status/")
    page.fill("#reference", reference)
    page.fill("#code", code)
    page.get_by_role("button", name="Show the status").click()
    assert page.locator("#status").inner_text().strip() == "Delivered"
    assert page.locator("ol.steps li").count() == 5
    _fits(page)
    shot(page, "support-public-status")


def test_an_eligible_traveller_goes_on_a_batch_and_the_manifest_lists_them(page, city):
    page.set_viewport_size(PHONE)
    log_in(page, "cora", PASSWORD)
    page.goto("/travellers/")
    _fits(page)
    shot(page, "support-travellers-phone")
    assert "No negative test" in page.locator("#travellers").inner_text()  # Qian
    page.goto(f"/travellers/batches/{city['batch'].pk}/")
    row = page.locator("#candidates tr", has_text="Traveller Zhao Lei")
    row.get_by_role("button", name="Put on this batch").click()
    assert "Traveller Zhao Lei" in page.locator("#manifest").inner_text()
    assert "Traveller Qian" not in page.locator("#manifest").inner_text()
    _fits(page)
    shot(page, "support-batch-manifest")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    assert "Traveller Zhao Lei" in open(download.value.path(), encoding="utf-8-sig").read()


@pytest.mark.parametrize("url", ["/support/new/", "/support/teams/", "/support/escalated/",
                                 "/travellers/batches/"])
def test_the_other_support_pages_fit_a_phone(page, city, url):
    page.set_viewport_size(PHONE)
    log_in(page, "cora", PASSWORD)
    page.goto(url)
    shot(page, "support-phone-" + url.strip("/").replace("/", "-"))
    _fits(page)
