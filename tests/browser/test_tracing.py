"""A tracer's day, in the browser: a new case, the places visited, three contacts, today's
follow-up list, a follow-up, and a contact who turns positive and joins the chain graph."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from outbreakhq.core.actor import Actor
from outbreakhq.tracing.fields import today
from outbreakhq.tracing.models import Case, Contact
from tests.browser.conftest import log_in, shot
from tests.factories import PASSWORD, make_user, territory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CONTACTS = [("Li Lei", "household"), ("Zhou Min", "work"), ("Chen Jie", "transport")]


def ago(days: int) -> str:
    return (today() - timedelta(days=days)).isoformat()


def open_new_case(page, area_code: str) -> None:
    page.get_by_role("link", name="Cases", exact=True).click()
    expect(page).to_have_title(re.compile("Cases"))
    expect(page.locator("main .empty")).to_be_visible()
    shot(page, "tracing-cases-empty")
    page.get_by_role("link", name="Open a case").click()
    page.fill("#new-name", "Wang Fang")
    page.select_option("#new-sex", "F")
    page.fill("#new-phone", "13800000001")
    page.fill("#new-home_area", area_code)
    page.select_option("#classification", "confirmed")
    page.select_option("#detection_route", "clinic")
    page.fill("#onset_date", ago(2))
    shot(page, "tracing-case-new")
    page.get_by_role("button", name="Open the case").click()
    expect(page.locator("h1")).to_contain_text("Wang Fang")
    expect(page.locator(".messages")).to_contain_text("opened")


def add_visit_and_contacts(page) -> None:
    page.fill("#visit-place", "Central wet market")
    page.fill("#visit-date_from", ago(3))
    page.fill("#visit-date_to", ago(2))
    page.get_by_role("button", name="Add the place").click()
    expect(page.locator("#visits table")).to_contain_text("Central wet market")
    for name, kind in CONTACTS:
        page.fill("#contact-name", name)
        page.select_option("#contact-contact_type", kind)
        page.fill("#contact-last_exposure", ago(1))
        page.get_by_role("button", name="Add the contact").click()
        expect(page.locator("#contacts table")).to_contain_text(name)
    expect(page.locator("#contacts tbody tr")).to_have_count(3)
    shot(page, "tracing-case-page")


def test_tracers_day(page):
    land = territory()
    make_user("tracer", land.county1, username="tina")
    log_in(page, "tina", PASSWORD)

    open_new_case(page, land.compound1.code)
    case = Case.objects.get(person__name="Wang Fang")
    add_visit_and_contacts(page)

    page.get_by_role("link", name="Follow-up", exact=True).click()
    expect(page.locator("h1")).to_contain_text("due today")
    rows = page.locator("#worklist tbody tr")
    expect(rows).to_have_count(3)
    shot(page, "tracing-followups-due")
    first = page.locator(f"#wl-{Contact.objects.get(person__name='Li Lei').pk}")
    first.get_by_role("button", name="Seen, well").click()
    expect(first).to_contain_text("Recorded")
    shot(page, "tracing-followup-recorded")

    page.get_by_role("link", name="Zhou Min").click()
    expect(page.locator("h1")).to_contain_text("Zhou Min")
    expect(page.locator(".calendar .due")).to_have_count(1)
    shot(page, "tracing-contact")
    page.get_by_role("button", name="Turned positive: open a case").click()
    expect(page.locator("h1")).to_contain_text("Zhou Min")
    expect(page.locator("#source")).to_contain_text(f"#{case.pk} Wang Fang")
    shot(page, "tracing-converted")
    converted = Case.objects.get(person__name="Zhou Min")
    assert converted.source_case == case and converted.under_control_when_found

    page.get_by_role("link", name="Chains", exact=True).click()
    page.wait_for_selector("#chain-graph[data-ready='1']")
    graph = page.evaluate("""(target) => {
        const cy = window.outbreakhqChains;
        const edge = cy.edges().filter(e => e.data('target') === target)[0];
        return {nodes: cy.nodes().map(n => n.id()), edge: edge ? edge.data('source') : null};
    }""", f"c{converted.pk}")
    assert {f"c{case.pk}", f"c{converted.pk}"} <= set(graph["nodes"])
    assert graph["edge"] == f"c{case.pk}"
    expect(page.locator("#chain-table tbody tr")).to_have_count(1)
    shot(page, "tracing-chains")

    page.get_by_role("link", name="Cases", exact=True).click()
    expect(page.locator("#case-rows tbody tr")).to_have_count(2)
    page.fill("form.filters input[name=q]", "Zhou")
    expect(page.locator("#case-rows tbody tr")).to_have_count(1)
    shot(page, "tracing-cases")
    page.get_by_role("link", name="Contacts", exact=True).click()
    expect(page.locator("#contact-rows tbody tr")).to_have_count(3)
    shot(page, "tracing-contacts")


def test_tracer_is_told_what_is_wrong_with_a_contact(page):
    land = territory()
    make_user("tracer", land.county1, username="tina")
    log_in(page, "tina", PASSWORD)
    open_new_case(page, land.compound1.code)
    page.fill("#contact-name", "Too Early")
    page.select_option("#contact-contact_type", "household")
    page.fill("#contact-last_exposure", ago(30))
    page.get_by_role("button", name="Add the contact").click()
    expect(page.locator("#contacts .problem")).to_contain_text("Last exposure")
    expect(page.locator("#contacts .field.has-error")).to_contain_text("before the case")
    shot(page, "tracing-contact-error")
    assert not Contact.objects.exists()


def test_a_case_and_its_chain_read_in_chinese(page):
    from outbreakhq.tracing import services
    from tests.factories import make_person

    land = territory()
    tracer = make_user("tracer", land.county1, username="tina")
    first = services.open_case(actor=Actor.of(tracer), person_id=make_person(land.compound1,
                                                                             name="王芳").pk,
                               data={"classification": "confirmed", "report_date": ago(1),
                                     "onset_date": ago(2), "detection_route": "clinic"})
    contact = services.add_contact(actor=Actor.of(tracer), case_id=first.pk,
                                   person_id=make_person(land.compound1, name="李雷").pk,
                                   data={"contact_type": "household", "last_exposure": ago(1)})
    services.convert_contact_to_case(actor=Actor.of(tracer), contact_id=contact.pk,
                                     data={"classification": "asymptomatic",
                                           "report_date": ago(0)})
    log_in(page, "tina", PASSWORD)
    page.select_option("select[name=language]", "zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.goto(f"/cases/{first.pk}/")
    expect(page.locator("#contacts")).to_contain_text("李雷")
    shot(page, "tracing-case-zh")
    page.goto("/chains/")
    expect(page).to_have_title(re.compile("传播链"))
    page.wait_for_selector("#chain-graph[data-ready='1']")
    shot(page, "tracing-chains-zh")


def test_a_refusal_in_an_inline_form_is_shown_not_swallowed(browser, live_server):
    from outbreakhq.tracing import services
    from tests.factories import make_person

    # Chromium logs any refused request as a failed resource, so this test checks for script
    # errors only, not for every console line as the `page` fixture does.
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    script_errors: list[str] = []
    page.on("pageerror", lambda exc: script_errors.append(str(exc)))

    land = territory()
    tracer = make_user("tracer", land.county1, username="tina")
    case = services.open_case(actor=Actor.of(tracer), person_id=make_person(land.compound1).pk,
                              data={"classification": "confirmed", "report_date": ago(0),
                                    "detection_route": "clinic"})
    contact = services.add_contact(actor=Actor.of(tracer), case_id=case.pk,
                                   person_id=make_person(land.compound1).pk,
                                   data={"contact_type": "household", "last_exposure": ago(1)})
    log_in(page, "tina", PASSWORD)
    page.goto(f"/contacts/{contact.pk}/")
    # Meanwhile the contact moves to another county (its record is handed over there).
    Contact.objects.filter(pk=contact.pk).update(area=land.compound2)
    page.get_by_role("button", name="Record the follow-up").click()
    # Now outside the tracer's scope: answered as a record that does not exist (issue 7).
    expect(page.locator("#htmx-problem .problem")).to_contain_text(
        f"No contact with record number {contact.pk}.")
    shot(page, "tracing-refused-inline")
    context.close()
    assert not script_errors
