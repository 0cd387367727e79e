"""Field pages on a phone (390 px wide): nothing scrolls sideways, each list row is a card whose
cells say which column they are, and the day's work can be recorded with a thumb."""

from __future__ import annotations

from datetime import timedelta

import pytest

from outbreakhq.core.actor import Actor
from outbreakhq.core.models import Area
from outbreakhq.tracing import services
from outbreakhq.tracing.fields import today
from tests.browser.conftest import log_in, shot
from tests.factories import PASSWORD, make_person, make_user, territory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def township(db):
    """A community worker's township with a case and contacts due today, one with a long
    compound name and a long Chinese name."""
    land = territory()
    Area.objects.filter(pk=land.compound1.pk).update(
        name_en="Heyun Garden Compound, Building Seven by the East Gate of the Old Market")
    township = land.compound1.parent.parent
    tracer = make_user("tracer", land.county1, username="tina")
    worker = make_user("community", township, username="cora")
    case = services.open_case(
        actor=Actor.of(tracer), person_id=make_person(land.compound1, name="欧阳建国").pk,
        data={"classification": "confirmed", "report_date": today() - timedelta(days=1),
              "detection_route": "controlled_screening"})
    for name in ("欧阳秀娜欧阳秀娜", "Alexandra Konstantinopoulou-Vasilakis"):
        services.add_contact(
            actor=Actor.of(tracer), case_id=case.pk,
            person_id=make_person(land.compound1, name=name).pk,
            data={"contact_type": "household", "last_exposure": today() - timedelta(days=1),
                  "tracer": worker.username})
    return case


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a 390 px phone"


@pytest.mark.parametrize("url", ["/", "/followups/?list=due&who=all", "/contacts/", "/cases/",
                                 "/people/?q=Alexandra", "/cases/new/"])
def test_community_worker_pages_fit_a_phone_without_sideways_scrolling(page, township, url):
    page.set_viewport_size(PHONE)
    log_in(page, "cora", PASSWORD)
    page.goto(url)
    shot(page, "phone-community-" + (url.strip("/").split("/")[0].split("?")[0] or "home"))
    _fits(page)


def test_on_a_phone_each_row_is_a_card_that_names_its_columns(page, township):
    page.set_viewport_size(PHONE)
    log_in(page, "cora", PASSWORD)
    page.goto("/followups/?list=due&who=all")

    first = page.locator("main table tbody tr").first
    labels = first.locator("td[data-label]").evaluate_all(
        "cells => cells.map(c => c.dataset.label)")
    assert "Phone" in labels or "PHONE" in [label.upper() for label in labels]
    assert page.locator("main table thead").first.is_hidden()
    # The day's check is one tap on the card and the page still fits afterwards.
    first.get_by_role("button", name="Seen, well").click()
    page.wait_for_load_state("networkidle")
    _fits(page)


def test_tracer_case_and_contact_pages_fit_a_phone(page, township):
    page.set_viewport_size(PHONE)
    log_in(page, "tina", PASSWORD)
    page.goto(f"/cases/{township.pk}/")
    shot(page, "phone-tracer-case")
    _fits(page)
    page.locator("main table tbody tr a[href^='/contacts/']").first.click()
    page.wait_for_load_state()
    shot(page, "phone-tracer-contact")
    _fits(page)
