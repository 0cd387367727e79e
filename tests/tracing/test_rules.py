"""The pure rules of tracing (tracing/rules.py): no database, no fixtures."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outbreakhq.tracing import rules
from outbreakhq.tracing.models import Classification, ContactStatus, ContactType

DAY = date(2026, 3, 10)
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
statuses = st.sampled_from(sorted(rules.TRANSITIONS))


def test_the_rules_name_the_same_statuses_as_the_models():
    assert set(rules.TRANSITIONS) == set(ContactStatus.values)
    assert rules.FOLLOWED == {ContactStatus.FOLLOWING, ContactStatus.QUARANTINE}
    assert rules.SUSPECTED == Classification.SUSPECTED
    assert ContactType.HEALTH_CARE == "health_care"


def test_only_a_contact_under_follow_up_is_handed_over_to_quarantine():
    allowed = {s for s in rules.TRANSITIONS if rules.may_become(s, rules.QUARANTINE)}
    assert allowed == {rules.FOLLOWING}


def test_a_followed_contact_can_be_lost_and_nothing_else_can():
    allowed = {s for s in rules.TRANSITIONS if rules.may_become(s, rules.LOST)}
    assert allowed == rules.FOLLOWED


def test_every_contact_but_a_converted_one_can_become_a_case():
    allowed = {s for s in rules.TRANSITIONS if rules.may_become(s, rules.CONVERTED)}
    assert allowed == set(rules.TRANSITIONS) - {rules.CONVERTED}


@given(statuses, statuses)
def test_a_contact_that_became_a_case_never_changes_status_again(before, after):
    if before == rules.CONVERTED:
        assert not rules.may_become(before, after)


@given(statuses)
def test_no_status_moves_to_itself(status):
    assert not rules.may_become(status, status)


def test_an_unknown_status_may_move_nowhere():
    assert not rules.may_become("archived", rules.LOST)


def test_a_proposer_may_open_a_suspected_case_without_links():
    assert rules.proposal_refusals({"classification": "suspected"}) == []


def test_a_proposer_may_not_confirm_or_link_a_case():
    refused = rules.proposal_refusals({"classification": "confirmed", "source_case": 3,
                                       "cluster": None})
    assert refused == ["classification", "source_case"]


def test_today_is_not_in_the_future_and_tomorrow_is():
    assert not rules.in_future(DAY, DAY)
    assert rules.in_future(DAY + timedelta(days=1), DAY)
    assert not rules.in_future(None, DAY) and not rules.in_future("2099-01-01", DAY)


def test_onset_and_sampling_after_the_report_are_named():
    values = {"report_date": DAY, "onset_date": DAY + timedelta(days=1), "sampling_date": DAY}
    assert rules.after_report(values) == ["onset_date"]
    assert rules.case_date_problems(values) == ["onset_date"]


def test_a_case_without_a_report_date_has_no_date_after_it():
    assert rules.after_report({"onset_date": DAY}) == []


def test_an_outcome_before_the_onset_is_out_of_order():
    values = {"onset_date": DAY, "outcome_date": DAY - timedelta(days=1)}
    assert rules.outcome_before_onset(values)
    assert rules.case_date_problems(values) == ["outcome_date"]
    assert not rules.outcome_before_onset({"onset_date": DAY, "outcome_date": DAY})


@given(days, days, days)
def test_dates_in_report_order_have_no_problem(a, b, c):
    onset, report, outcome = sorted((a, b, c))
    values = {"onset_date": onset, "sampling_date": onset, "report_date": report,
              "outcome_date": outcome}
    assert rules.case_date_problems(values) == []


def test_a_contact_exposed_after_the_report_is_refused_unless_health_care_staff():
    later = DAY + timedelta(days=2)
    assert rules.contact_exposed_after_report(later, DAY, "household")
    assert not rules.contact_exposed_after_report(later, DAY, "health_care")
    assert not rules.contact_exposed_after_report(DAY, DAY, "household")


def test_a_case_is_infectious_from_the_look_back_before_onset_or_else_sampling():
    assert rules.infectious_from(DAY, None, lookback_days=4) == DAY - timedelta(days=4)
    assert rules.infectious_from(None, DAY, lookback_days=2) == DAY - timedelta(days=2)
    assert rules.infectious_from(DAY, DAY + timedelta(days=3), lookback_days=0) == DAY
    assert rules.infectious_from(None, None, lookback_days=4) is None


def test_an_exposure_before_the_case_could_infect_is_refused_and_one_on_that_day_is_not():
    start = DAY - timedelta(days=4)
    assert rules.exposed_before_infectious(start - timedelta(days=1), start)
    assert not rules.exposed_before_infectious(start, start)
    assert not rules.exposed_before_infectious(start, None)


@given(days, st.integers(min_value=1, max_value=60))
def test_follow_up_runs_the_protocols_days_after_the_last_exposure(exposed, length):
    start, end = rules.followup_window(exposed, length)
    assert start == exposed + timedelta(days=1)
    assert (end - start).days + 1 == length
    assert not rules.in_window(exposed, start, end)
    assert rules.in_window(start, start, end) and rules.in_window(end, start, end)


def test_a_category_the_protocol_does_not_follow_has_no_window():
    with pytest.raises(ValueError):
        rules.followup_window(DAY, 0)


def test_no_check_is_expected_of_a_contact_no_longer_followed():
    start = DAY - timedelta(days=5)
    assert rules.closed_from(rules.FOLLOWING, converted_report=None, followup_start=start) is None
    assert rules.closed_from(rules.CONVERTED, converted_report=DAY, followup_start=start) == DAY
    for status in (rules.QUARANTINE, rules.LOST, rules.COMPLETED):
        assert rules.closed_from(status, converted_report=None, followup_start=start) == start


def test_calendar_shows_recorded_missed_due_and_upcoming_days():
    start = DAY - timedelta(days=2)
    found = rules.calendar(start, DAY + timedelta(days=1), today=DAY, traced=start,
                           closed=None, recorded={start: "well"})
    assert [d.state for d in found] == ["well", "missed", "due", "upcoming"]
    assert [d.n for d in found] == [1, 2, 3, 4]


def test_calendar_days_before_tracing_are_untraced_and_the_status_is_written_once():
    start = DAY - timedelta(days=3)
    found = rules.calendar(start, DAY + timedelta(days=2), today=DAY,
                           traced=DAY - timedelta(days=1), closed=DAY, recorded={})
    assert [d.state for d in found] == ["untraced", "untraced", "missed", "closed", "closed",
                                        "closed"]
    assert [d.first_closed for d in found] == [False, False, False, True, False, False]


@given(days, st.integers(min_value=1, max_value=30), days, st.one_of(st.none(), days),
       st.one_of(st.none(), days))
def test_calendar_has_one_day_per_day_of_the_window(start, length, today, traced, closed):
    end = start + timedelta(days=length - 1)
    found = rules.calendar(start, end, today=today, traced=traced, closed=closed, recorded={})
    assert [d.date for d in found] == [start + timedelta(days=i) for i in range(length)]
    assert sum(d.first_closed for d in found) == (1 if any(d.state == "closed" for d in found)
                                                  else 0)
    assert all(d.state != "due" or d.date == today for d in found)


def test_calendar_marks_the_test_days_it_is_given():
    start = DAY - timedelta(days=2)
    found = rules.calendar(start, DAY + timedelta(days=2), today=DAY, traced=start, closed=None,
                           recorded={}, test_dates=[start, DAY + timedelta(days=1)])
    assert [d.test for d in found] == [True, False, False, True, False]
