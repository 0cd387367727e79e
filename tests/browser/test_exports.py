"""A background export in the browser, on a phone (issue 15): the list lands on the Exports
page, which shows the file being written and, once the task worker is done, offers it without
a reload (htmx asks again every 2 s, under the CSP); nothing scrolls sideways at 390 px."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from outbreakhq.tracing import exporting
from tests.browser.conftest import log_in, shot
from tests.factories import PASSWORD, make_person, make_user, territory
from tests.tracing.conftest import open_case

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PHONE = {"width": 390, "height": 844}


def test_a_background_export_is_followed_and_offered_on_a_phone(page, monkeypatch, settings,
                                                                tmp_path):
    settings.DATA_DIR = tmp_path
    monkeypatch.setattr(exporting, "IN_REQUEST_UP_TO", {"csv": 1, "xlsx": 1})
    land = territory()
    tracer = make_user("tracer", land.county1, username="tina")
    for name in ("Alder", "Aspen", "Birch"):
        open_case(tracer, make_person(land.compound1, name=name))
    page.set_viewport_size(PHONE)
    log_in(page, "tina", PASSWORD)
    page.goto("/export/cases/?format=csv")
    expect(page.get_by_text("waiting for the background worker")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "exports-waiting-390")
    call_command("db_worker", "--batch", verbosity=0)
    download_link = page.get_by_role("link", name="Download")
    expect(download_link).to_be_visible(timeout=15000)  # no reload: the list asked again
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "exports-ready-390")
    with page.expect_download() as download:
        download_link.click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    assert "Alder" in text and "Birch" in text
