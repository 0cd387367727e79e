"""A site manager's day, on a phone: five contacts handed over by tracing arrive, a household is
placed together and the others alone, tests are recorded, one person is released on the last
day of the stay, and the site's occupancy changes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from outbreakhq import protocols
from outbreakhq.core.actor import Actor
from outbreakhq.quarantine import rules
from outbreakhq.quarantine import services as quarantine
from outbreakhq.quarantine.models import Stay
from outbreakhq.tracing import services as tracing
from outbreakhq.tracing.fields import today
from tests.browser.conftest import log_in, shot
from tests.factories import PASSWORD, make_person, make_user, territory
from tests.tracing.conftest import open_case

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}
NAMES = ("Li Wei", "Li Na", "欧阳秀娜", "Alexandra Konstantinopoulou-Vasilakis", "Zhang Min")


@pytest.fixture
def hotel(db, settings):
    settings.OUTBREAKHQ_PROTOCOL = "cn-20-measures"
    land = territory()
    tracer = make_user("tracer", land.county1)
    manager = make_user("quarantine", land.county1, username="qiu")
    case = open_case(tracer, make_person(land.compound1, name="Index Case"))
    for name in NAMES:
        contact = tracing.add_contact(
            actor=Actor.of(tracer), case_id=case.pk,
            person_id=make_person(land.compound1, name=name).pk,
            data={"contact_type": "household", "last_exposure": today() - timedelta(days=1)})
        tracing.hand_over_to_quarantine(actor=Actor.of(tracer), contact_id=contact.pk)
    site = quarantine.create_site(actor=Actor.of(manager), area=land.county1,
                                  name="Harbour Hotel", kind="hotel")
    rooms = quarantine.add_rooms(actor=Actor.of(manager), site_id=site.pk, building="A",
                                 floor="1", numbers=["101"], beds=2)
    rooms += quarantine.add_rooms(actor=Actor.of(manager), site_id=site.pk, building="A",
                                  floor="1", numbers=["102", "103", "104"], beds=1)
    return site, rooms


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a 390 px phone"


def _place(page, names: list[str], site, room) -> None:
    page.goto("/quarantine/awaiting/")
    for name in names:
        page.locator("#awaiting tr", has_text=name).locator("input[name=person]").check()
    page.select_option("select[name=site]", str(site.pk))
    page.fill("input[name=room]", room.number)
    page.get_by_role("button", name="Place the ticked people").click()
    page.wait_for_load_state()
    assert "Placed:" in page.locator(".messages").inner_text()


def test_site_manager_places_five_contacts_tests_and_releases_one(page, hotel):
    site, rooms = hotel
    page.set_viewport_size(PHONE)
    log_in(page, "qiu", PASSWORD)
    page.goto("/quarantine/awaiting/")
    for name in NAMES:
        assert page.locator("#awaiting", has_text=name).count()
    shot(page, "quarantine-awaiting")
    _fits(page)

    _place(page, ["Li Wei", "Li Na"], site, rooms[0])  # a household, together
    for name, room in zip(NAMES[2:], rooms[1:], strict=True):
        _place(page, [name], site, room)
    assert "Nobody is awaiting placement." in page.content()
    households = set(Stay.objects.filter(room=rooms[0]).values_list("household", flat=True))
    assert len(households) == 1 and households != {""}

    page.goto(f"/quarantine/site/?id={site.pk}")
    assert page.locator("#occupancy").inner_text().startswith("5 / 5 beds taken")
    assert page.locator("table.tests-due tr", has_text="Zhang Min").count()
    shot(page, "quarantine-site-full")
    _fits(page)

    # Zhang Min's first test day: recorded on the stay page.
    page.locator("table.tests-due a", has_text="Zhang Min").click()
    page.get_by_role("button", name="Record test").click()
    assert "Test recorded." in page.locator(".messages").inner_text()

    # A week later: Zhang Min's stay reaches its last day (day 8 under the twenty measures).
    stay = Stay.objects.get(person__name="Zhang Min")
    rule = protocols.load("cn-20-measures").rule_for("close_contact")
    start = today() - timedelta(days=7)
    Stay.objects.filter(pk=stay.pk).update(
        start=start, quarantine_end=rules.quarantine_end(rule, start),
        planned_end=rules.planned_end(rule, start))
    stay.tests.all().delete()
    page.goto(f"/quarantine/people/{stay.person_id}/")
    assert "no result for the test of day 8" in page.locator("ul.blockers").inner_text()
    for n in rule.test_days:
        page.fill("#test-form input[name=date]", str(start + timedelta(days=n - 1)))
        page.select_option("#test-form select[name=result]", "negative")
        page.get_by_role("button", name="Record test").click()
        page.wait_for_load_state()
    assert not page.locator("ul.blockers").count()
    shot(page, "quarantine-stay-last-day")
    _fits(page)
    page.get_by_role("button", name="Release").click()
    assert "Released." in page.locator(".messages").inner_text()

    page.goto(f"/quarantine/site/?id={site.pk}")
    # Zhang Min left during the home-monitoring days: the bed was already free, the stay is not.
    assert page.locator("#occupancy").inner_text().startswith("4 / 5 beds taken")
    page.goto("/quarantine/")
    row = page.locator("#sites tbody tr", has_text="Harbour Hotel")
    assert "4" in row.inner_text()
    shot(page, "quarantine-sites")
    _fits(page)
