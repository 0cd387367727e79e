"""The page shell as a person uses it: log in, switch language, find a person, check the audit."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, shot
from tests.factories import PASSWORD, make_person, make_user, territory

# serialized_rollback restores the reference data migrations load (key groups) after each flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_admin_finds_a_person_in_chinese_and_sees_the_view_in_the_audit_trail(page):
    land = territory()
    make_user("admin", land.region, username="ada")
    person = make_person(land.compound1, name="Wang Fang", phone="17000001234")
    make_person(land.compound2, name="Wang Lei")

    log_in(page, "ada", PASSWORD)
    expect(page).to_have_title(re.compile("Overview"))
    expect(page.locator(".crumbs")).to_contain_text("Test Region")

    page.select_option("select[name=language]", "zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator(".crumbs")).to_contain_text("测试自治区")
    shot(page, "overview-zh")

    page.goto("/people/")
    page.fill("input[name=q]", "17000001234")
    page.keyboard.press("Enter")
    expect(page.locator("#results table")).to_contain_text("Wang Fang")
    expect(page.locator("#results")).not_to_contain_text("Wang Lei")
    shot(page, "people-search")

    page.click("text=Wang Fang")
    expect(page.locator("h1")).to_have_text("Wang Fang")
    expect(page.locator("dl.record")).to_contain_text(person.id_number)
    shot(page, "person")

    page.goto("/audit/")
    row = page.locator("#audit-table tbody tr").first
    expect(row).to_contain_text("ada")
    expect(row).to_contain_text(f"person {person.pk}")
    shot(page, "audit")


def test_scope_switcher_narrows_search_to_one_county(page):
    land = territory()
    make_user("commander", land.region, username="chief")
    make_person(land.compound1, name="Li Ming")
    make_person(land.compound2, name="Li Hua")

    log_in(page, "chief", PASSWORD)
    page.goto("/people/?q=Li")
    expect(page.locator("#results table tbody tr")).to_have_count(2)

    page.select_option("#scope-select", land.county1.code)
    expect(page.locator(".crumbs")).to_contain_text("Alder County")
    expect(page.locator("#results table tbody tr")).to_have_count(1)
    expect(page.locator("#results")).to_contain_text("Li Ming")


def test_tracer_registers_a_person_and_is_told_what_is_wrong(page):
    land = territory()
    make_user("tracer", land.county1, username="tina")
    log_in(page, "tina", PASSWORD)
    page.goto("/people/new/")
    page.fill("#id_name", "Zhao Min")
    page.select_option("#id_id_type", "cn_resident")
    page.fill("#id_id_number", "990101198001010011")  # wrong check character
    page.fill("#id_home_area", land.compound1.code)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".problem")).to_be_visible()
    expect(page.locator("main form")).to_contain_text("check character")
    shot(page, "person-form-error")

    page.fill("#id_id_number", _valid_id())
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_have_text("Zhao Min")
    expect(page.locator(".messages")).to_contain_text("Saved")


def _valid_id() -> str:
    from outbreakhq.core.identity import cn_check_character

    first17 = "99010119800101001"
    return first17 + cn_check_character(first17)


@pytest.mark.parametrize("width", [1366, 390])
def test_the_account_entries_wrap_together_at_the_right_when_the_modules_fill_the_header(
        page, width):
    """An administrator's header has many modules: the account entries (who, API tokens,
    two-factor, log out) move to the next line as one group, not one by one."""
    land = territory()
    make_user("admin", land.region, username="ada")
    page.set_viewport_size({"width": width, "height": 800})
    log_in(page, "ada", PASSWORD)
    shot(page, f"header-admin-{width}")
    account = page.locator("header.top .account")
    tops = account.locator(":scope > *").evaluate_all(
        "items => items.map(i => Math.round(i.getBoundingClientRect().top + "
        "i.getBoundingClientRect().height / 2))")
    assert max(tops) - min(tops) <= 4, f"the account entries are split over lines: {tops}"
    right = account.evaluate("a => Math.round(a.getBoundingClientRect().right)")
    header = page.locator("header.top").evaluate(
        "h => Math.round(h.getBoundingClientRect().right)")
    assert header - right <= 24, "the account entries are not at the right of the header"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
