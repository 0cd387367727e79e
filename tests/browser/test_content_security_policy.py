"""Pages under the Content-Security-Policy: the header is sent, and the pages that run the most
script (the chain graph, a form with htmx and the auto-submitting selects, the API docs, the
Django admin) work with no violation. (The `page` fixture also fails a test on any console
error, which is how Chromium reports a violation.)"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.factories import PASSWORD, make_person, make_user, territory
from tests.tracing.conftest import open_case

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Runs before any script of the page (through DevTools, so the policy does not apply to it).
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


def violations(page) -> list[str]:
    return page.evaluate("() => window.cspViolations")


def test_chains_a_form_and_the_api_docs_run_under_the_policy_without_a_violation(page):
    land = territory()
    user = make_user("tracer", land.region, username="rita", is_staff=True, is_superuser=True)
    first = open_case(user, make_person(land.compound1))
    open_case(user, make_person(land.compound2), source_case=first.pk)
    page.add_init_script(RECORD_VIOLATIONS)

    response = page.goto("/login/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "unsafe" not in response.headers["content-security-policy"]
    log_in(page, "rita", PASSWORD)
    expect(page).to_have_title(re.compile("Overview"))

    page.goto("/chains/")
    expect(page.locator("#chain-graph")).to_have_attribute("data-ready", "1")
    expect(page.locator("#chain-graph canvas").first).to_be_visible()
    assert violations(page) == []

    page.goto("/people/new/")
    page.select_option("select[name=language]", "zh-hans")  # an auto-submitting select
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.select_option("select[name=language]", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.fill("#id_name", "Zhao Min")
    page.fill("#id_id_number", "")
    page.select_option("#id_id_type", "none")
    page.fill("#id_home_area", land.compound1.code)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_have_text("Zhao Min")
    assert violations(page) == []

    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .info")).to_contain_text("OutbreakHQ API")
    page.locator(".opblock-summary").first.click()  # open an operation and try it
    page.get_by_role("button", name="Try it out").click()
    expect(page.locator(".opblock-body .btn.execute")).to_be_visible()
    page.locator(".opblock-body .btn.execute").click()
    expect(page.locator(".opblock-body .responses-table .response-col_status").first
           ).to_be_visible()
    assert violations(page) == []

    page.goto("/admin/core/area/")
    expect(page.locator("#result_list")).to_contain_text(land.region.code)
    page.goto(f"/admin/core/area/{land.region.pk}/change/")
    expect(page.locator("#content h2")).to_contain_text(land.region.code)
    assert violations(page) == []
