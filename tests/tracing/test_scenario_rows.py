"""The rules that turn simulated records into tracing rows (pure: no database)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa
import pytest

from outbreakhq.tracing import scenario_rows as rows

D0 = date(2022, 8, 1)
DAY0 = (D0 - date(1970, 1, 1)).days
HOUSEHOLD = np.array([0, 0, 1, 1, 1, 2])  # person row -> household


def dates(*offsets: int | None) -> pa.Array:
    return pa.array([None if o is None else DAY0 + o for o in offsets], type=pa.date32())


def rules(today: int = 20, budget: int = 10_000, secondary_days: int = 7) -> rows.Rules:
    return rows.Rules(followup_days={"close_contact": 10, "secondary_contact": secondary_days},
                      offset=0, today=DAY0 + today, followup_budget=budget)


def cases() -> rows.Cases:
    """Person 0 infected person 3; case 1 (person 3) had symptoms on day 8, reported day 9;
    case 0 (person 0) had an onset after its report."""
    table = pa.table({
        "case": [0, 1], "person": [0, 3], "onset_date": dates(6, 8),
        "sample_date": dates(5, 9), "report_date": dates(5, 9),
        "route": ["clinic", "controlled_population_screening"],
        "classification": ["asymptomatic", "confirmed"], "severity": [None, "mild"],
        "under_control": [False, True]})
    infections = pa.table({"person": [0, 3], "infector": pa.array([None, 0], pa.int64())})
    return rows.cases(table, infections, population=HOUSEHOLD.size, offset=0)


def contacts(**kwargs) -> tuple[rows.Contacts, rows.Rules]:
    """Case 0 lists person 3 (close, household 1) and person 4 (their household); person 3 is
    also listed, earlier, by nobody else: listed twice by case 0 on days 5 and 6."""
    table = pa.table({
        "contact": [0, 1, 2, 3], "case": [0, 0, 0, 0], "person": [3, 4, 3, 5],
        "category": ["close", "secondary", "close", "close"],
        "type": ["household", "household", "work", "other"],
        "last_exposure_date": dates(5, 5, 4, 1), "traced_date": dates(5, 5, 6, 5),
        "quarantined": [True, True, False, True]})
    r = rules(**kwargs)
    return rows.contacts(table, cases(), household=HOUSEHOLD,
                         centralised_today=np.zeros(HOUSEHOLD.size, dtype=bool), rules=r), r


def test_source_case_is_the_infectors_case_and_routes_take_the_models_names():
    found = cases()
    assert found.source.tolist() == [-1, 0]
    assert found.columns["detection_route"].to_pylist() == ["clinic", "controlled_screening"]
    assert found.columns["severity"].to_pylist() == ["asymptomatic", "mild"]


def test_an_onset_after_the_report_is_not_known_when_found():
    assert cases().columns["onset_date"].to_pylist() == [None, D0.replace(day=9)]


def test_window_comes_from_the_protocol_days():
    found, _ = contacts()
    assert (found.start - found.last_exposure).tolist() == [1, 1, 1, 1]
    assert (found.end - found.last_exposure).tolist() == [10, 7, 10, 10]


def test_a_contact_who_became_a_case_links_it_once_from_the_latest_listing():
    found, _ = contacts()
    assert found.status.tolist()[0] == found.status.tolist()[2] == rows.CONVERTED
    assert found.converted.tolist() == [-1, -1, 1, -1]  # the day-6 listing, case row 1


def test_a_contact_of_a_close_contact_comes_through_the_close_contact_of_their_household():
    found, _ = contacts()
    assert found.source_contact.tolist() == [-1, 0, -1, -1]
    assert found.source_case.tolist() == [0, -1, 0, 0]


def test_status_on_the_last_day():
    found, _ = contacts(today=12)  # person 4's window (6-12) is open, person 5's (2-11) ended
    assert found.status.tolist()[1] == rows.FOLLOWING
    assert found.status.tolist()[3] == rows.COMPLETED


def test_checks_run_from_tracing_to_yesterday_with_symptoms_from_onset():
    found, r = contacts(today=12)
    checks = rows.followups(found, r)
    by_contact = {c: checks.day[checks.contact == c] - DAY0 for c in range(4)}
    assert by_contact[0].tolist() == [6, 7, 8]  # stops the day before the report (day 9)
    assert by_contact[1].tolist() == [6, 7, 8, 9, 10, 11]  # today, day 12, is to do
    assert by_contact[3].tolist() == [5, 6, 7, 8, 9, 10, 11]  # from the day traced
    assert checks.status[checks.contact == 0].tolist() == [0, 0, 1]  # symptoms from day 8
    assert (checks.last - DAY0).tolist()[:2] == [8, 11]


def test_above_the_budget_only_recent_windows_get_checks():
    found, r = contacts(today=30, budget=5)
    checks = rows.followups(found, r)
    assert checks.recent_only and checks.contact.size == 0  # every window ended by day 15


def test_a_protocol_that_follows_no_contact_of_a_close_contact_refuses():
    with pytest.raises(ValueError, match="secondary_contact"):
        contacts(secondary_days=0)
