"""A tracer imports a line list: upload, map an unknown column, see every wrong row, fix the file,
import, and export the list again."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from outbreakhq.tracing.models import Case
from tests.browser.conftest import log_in, shot
from tests.factories import PASSWORD, make_user, territory
from tests.tracing.test_import import CASE_HEADER, case_rows, ids, write_csv

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_tracer_uploads_sees_errors_fixes_the_file_and_imports(page, tmp_path):
    land = territory()
    make_user("tracer", land.county1, username="tina")
    numbers = ids(3)
    rows = case_rows(land, numbers)
    good = [row + ["3"] for row in rows]
    bad = [list(row) for row in good]
    bad[0][5] = "maybe"  # row 2: classification
    bad[2][4] = land.compound2.code  # row 4: another county
    header = CASE_HEADER + ["Ward"]
    bad_file = write_csv(tmp_path / "line-list.csv", header, bad)
    good_file = write_csv(tmp_path / "line-list-fixed.csv", header, good)

    log_in(page, "tina", PASSWORD)
    page.goto("/import/")
    expect(page).to_have_title(re.compile("Import a line list"))
    page.select_option("#id_kind", "cases")
    page.set_input_files("#id_file", str(bad_file))
    page.get_by_role("button", name="Upload and preview").click()

    # An unknown column: the header problem is named; ignoring the column is one choice away.
    expect(page.locator(".problem")).to_contain_text("Ward")
    expect(page.locator(".problem")).to_contain_text("unknown column")
    shot(page, "import-unknown-column")
    page.select_option("select[aria-label=Ward]", "")
    page.get_by_role("button", name="Apply the mapping").click()

    errors = page.locator("#import-errors")
    expect(errors).to_be_visible()
    expect(errors.locator("tbody tr")).to_have_count(2)
    expect(errors.locator("tbody tr").nth(0)).to_contain_text("2")
    expect(errors.locator("tbody tr").nth(0)).to_contain_text("分类")
    expect(errors.locator("tbody tr").nth(1)).to_contain_text("现住址区划")
    expect(page.locator("#confirm-import")).to_have_count(0)
    expect(page.locator("#import-preview tbody tr")).to_have_count(3)
    shot(page, "import-errors")
    assert Case.objects.count() == 0

    page.fill("#id_mapping_name", "county line list")
    page.get_by_role("button", name="Save mapping").click()
    expect(page.locator(".messages")).to_contain_text("Mapping saved")

    page.get_by_role("link", name="Upload another file").click()
    page.select_option("#id_kind", "cases")
    page.select_option("#id_mapping", label=f"county line list (Cases, {land.county1.code})")
    page.set_input_files("#id_file", str(good_file))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.locator("#count-errors")).to_have_text("0")
    expect(page.locator("#count-create")).to_have_text("3")
    shot(page, "import-preview-ok")
    page.locator("#confirm-import").click()
    expect(page.locator(".messages")).to_contain_text("3 created, 0 updated, 0 unchanged")
    shot(page, "import-done")
    assert sorted(Case.objects.values_list("external_id", flat=True)) == ["C1", "C2", "C3"]
    assert Case.objects.get(external_id="C3").source_case.external_id == "C2"

    page.goto("/cases/")
    shot(page, "cases-with-export-links")
    with page.expect_download() as download:
        page.click("#export-csv")
    text = open(download.value.path(), encoding="utf-8-sig").read()
    assert "Wang Fang" in text and text.count("\n") == 4


PHONE = {"width": 390, "height": 844}


def test_the_import_review_page_fits_a_phone_without_sideways_scrolling(page, tmp_path):
    """The review (the mapping's three columns, the constants and recodings, the counts, every
    error and the preview) at 390 px: nothing scrolls sideways but the preview table's own box."""
    land = territory()
    make_user("tracer", land.county1, username="tina")
    rows = [row + ["a ward with a long name, east gate"] for row in case_rows(land, ids(3))]
    rows[0][5] = "maybe"
    path = write_csv(tmp_path / "a-line-list-with-a-long-name-from-the-prefecture.csv",
                     CASE_HEADER + ["Ward of residence as the prefecture writes it"], rows)
    page.set_viewport_size(PHONE)
    log_in(page, "tina", PASSWORD)
    page.goto("/import/")
    page.select_option("#id_kind", "cases")
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.locator("#mapping-table")).to_be_visible()
    shot(page, "phone-import-review-columns")
    _fits(page)
    page.select_option("select[aria-label='Ward of residence as the prefecture writes it']", "")
    page.get_by_role("button", name="Apply the mapping").click()
    expect(page.locator("#import-errors")).to_be_visible()
    expect(page.locator("#import-preview tbody tr")).to_have_count(3)
    shot(page, "phone-import-review-errors")
    _fits(page)
    for selector in ("#mapping-table", "#id_constants", "#id_values", "#import-errors",
                     "#confirm-partial"):
        box = page.locator(selector).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], selector


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a 390 px phone"
