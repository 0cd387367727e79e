"""A published, de-identified line list imported as it is (issue 14): constants and recoded
words typed on the page, the rows that pass imported, the others refused and downloaded."""

from __future__ import annotations

import csv

import pytest
from playwright.sync_api import expect

from outbreakhq.tracing.models import Case
from tests.browser.conftest import log_in, shot
from tests.factories import PASSWORD, make_user, territory
from tests.interop.test_line_lists import LINE_LIST

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_partial_import_with_a_downloaded_error_file(page, tmp_path):
    land = territory()
    make_user("tracer", land.county1, username="tina")
    log_in(page, "tina", PASSWORD)
    page.goto("/import/")
    page.select_option("#id_kind", "cases")
    page.set_input_files("#id_file", str(LINE_LIST))
    page.get_by_role("button", name="Upload and preview").click()

    # The headers are guessed; what the file lacks is given once for every row.
    page.select_option("select[aria-label=dt_report]", "report_date")
    page.select_option("select[aria-label='dt_report also feeds']", "sampling_date")
    page.select_option("select[aria-label=dt_exposure]", "exposure_date")
    page.select_option("select[aria-label=context]", "exposure_type")
    page.select_option("select[aria-label=outcome]", "outcome")
    page.fill("#id_constants", "classification = confirmed\ndetection_route = clinic\n"
                               f"home_area = {land.compound1.code}")
    page.fill("#id_values", "outcome: Recover = recovered\noutcome: Alive = active\n"
                            "outcome: Dead = died\nexposure_type: funeral = other\n"
                            "exposure_type: Hospital room = health_care\n"
                            "exposure_type: Emergency room = health_care\n"
                            "exposure_type: family = household")
    page.get_by_role("button", name="Apply the mapping").click()

    expect(page.locator("#error-total")).to_contain_text("3 errors in 2 rows")
    expect(page.locator("#confirm-import")).to_have_count(0)
    shot(page, "import-partial-errors")
    with page.expect_download() as waiting:
        page.locator("#download-errors").click()
    preview_errors = tmp_path / "preview-errors.csv"
    waiting.value.save_as(preview_errors)
    with preview_errors.open(encoding="utf-8-sig") as raw:
        rows = list(csv.reader(raw))
    assert rows[0] == ["row", "column", "value", "reason"] and len(rows) == 4
    assert Case.objects.count() == 0

    page.locator("#confirm-partial").click()
    expect(page.locator(".messages")).to_contain_text("6 created")
    expect(page.locator(".messages")).to_contain_text("2 refused")
    shot(page, "import-partial-done")
    with page.expect_download() as waiting:
        page.locator("#download-refused").click()
    refused = tmp_path / "refused.csv"
    waiting.value.save_as(refused)
    with refused.open(encoding="utf-8-sig") as raw:
        rows = list(csv.reader(raw))
    assert [r[:3] for r in rows[1:]] == [["6", "dt_onset", "2024-03-09"],
                                          ["8", "dt_exposure", "2024-03-14"],
                                          ["8", "dt_onset", "2024-03-12"]]
    assert Case.objects.count() == 6
    assert Case.objects.get(external_id="P2").outcome == "died"

    # The chains and the case page: the sources not listed apart, the possible infectors.
    page.goto("/chains/")
    expect(page.locator("#source-not-listed")).to_be_visible()
    expect(page.get_by_text("← X7").first).to_be_visible()
    shot(page, "chains-source-not-listed")
    p3 = Case.objects.get(external_id="P3")
    page.goto(f"/cases/{p3.pk}/")
    expect(page.locator("#candidate-infectors")).to_contain_text("X9")
    expect(page.locator("h1")).to_contain_text("P3")
    shot(page, "case-possible-infectors")
