"""A tracer finds a person registered twice, compares the two records and merges them."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from outbreakhq.core.models import AuditEvent, Person, PersonMerge
from outbreakhq.tracing.models import Case
from tests.browser.conftest import log_in, shot
from tests.factories import PASSWORD, make_person, make_user, territory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
BORN = date(1979, 3, 8)


def test_tracer_merges_a_person_registered_twice_and_lands_on_the_kept_record(page):
    land = territory()
    make_user("tracer", land.county1, username="tina")
    keep = make_person(land.compound1, name="Zhou Xin", birth_date=BORN, phone="",
                       address="")
    twice = make_person(land.compound1, name="Zhou  Xin", birth_date=BORN,
                        id_type="none", id_number="", phone="13912345678",
                        address="12 Poplar Lane")
    make_person(land.compound2, name="Zhou Xin", birth_date=BORN)  # another county
    Case.objects.create(tenant_id=twice.tenant_id, area=twice.home_area, person=twice,
                        classification="confirmed", report_date=date(2026, 11, 20),
                        detection_route="clinic")

    log_in(page, "tina", PASSWORD)
    page.get_by_role("link", name="Duplicates").click()
    expect(page).to_have_title(re.compile("Possible duplicates"))
    expect(page.locator("#duplicates tbody tr")).to_have_count(1)
    expect(page.locator("#duplicates")).to_contain_text("same date of birth")
    shot(page, "duplicates")

    page.get_by_role("link", name="Compare").click()
    expect(page.locator("h1")).to_have_text("Compare two records")
    expect(page.locator("tr.differs")).to_have_count(4)  # name, document, phone, address
    expect(page.locator("#merged-refs")).to_contain_text("1 case")
    # An empty field defaults to the other side's value; the name is picked by hand.
    expect(page.locator("input[name=choice_phone][value=merge]")).to_be_checked()
    page.check("input[name=choice_name][value=keep]")
    page.check("input[name=choice_address][value=merge]")
    page.check("input[name=choice_document][value=keep]")
    shot(page, "merge-compare")

    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Confirm the merge")
    expect(page.locator("#merge-result")).to_contain_text("12 Poplar Lane")
    shot(page, "merge-confirm")

    page.get_by_role("button", name="Merge the records").click()
    expect(page).to_have_url(re.compile(f"/people/{keep.pk}/$"))
    expect(page.locator("h1")).to_have_text("Zhou Xin")
    record = page.locator("dl.record")
    expect(record).to_contain_text("13912345678")
    expect(record).to_contain_text("12 Poplar Lane")
    expect(record).to_contain_text(keep.id_number)
    expect(page.locator(".messages")).to_contain_text("Merged record")
    shot(page, "merge-result")

    assert not Person.objects.filter(pk=twice.pk).exists()
    assert Case.objects.get().person_id == keep.pk
    assert PersonMerge.objects.get().merged["address"] == "12 Poplar Lane"
    assert AuditEvent.objects.filter(action="delete", person_id=twice.pk).count() == 1

    page.goto("/duplicates/")
    expect(page.locator("main .empty")).to_contain_text("No possible duplicates")


def test_tracer_marks_a_pair_as_two_different_people(page):
    land = territory()
    make_user("tracer", land.county1, username="tom")
    make_person(land.compound1, name="Lin Tao", birth_date=BORN)
    make_person(land.compound1, name="Lin Tao", birth_date=BORN, id_type="none", id_number="")

    log_in(page, "tom", PASSWORD)
    page.goto("/duplicates/")
    page.get_by_role("link", name="Compare").click()
    page.get_by_role("button", name="Not the same person").click()
    expect(page.locator(".messages")).to_contain_text("will no longer be proposed")
    expect(page.locator("main .empty")).to_contain_text("No possible duplicates")
