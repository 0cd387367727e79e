"""Support's pure rules: triage, deadlines, the status machine and travellers' eligibility
(no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from outbreakhq.support import rules
from outbreakhq.support.rules import Kind, LeaveRule, Status, Urgency

NOW = datetime(2022, 4, 10, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("kind", [Kind.URGENT_CARE, Kind.DIALYSIS, Kind.CHEMOTHERAPY,
                                  Kind.MATERNITY])
def test_medical_kinds_are_always_urgent(kind) -> None:
    assert rules.triage(kind).urgency == Urgency.URGENT
    assert rules.triage(kind, {"medicine_days_left": 30}).urgency == Urgency.URGENT


def test_medical_kinds_rank_above_every_answer_of_the_others() -> None:
    worst_other = min(rules.triage(kind, answers).rank
                      for kind in (Kind.FOOD, Kind.CHRONIC_MEDICINE, Kind.MENTAL_HEALTH,
                                   Kind.OTHER)
                      for answers in ({}, {"medicine_days_left": 0}, {"crisis": "yes"},
                                      {"no_food_left": True, "vulnerable": True}))
    assert all(rules.triage(k).rank < worst_other for k in rules.MEDICAL)


def test_answers_raise_a_request_within_its_kind() -> None:
    assert rules.triage(Kind.CHRONIC_MEDICINE, {"medicine_days_left": "1"}).urgency == "high"
    assert rules.triage(Kind.CHRONIC_MEDICINE, {"medicine_days_left": 10}).urgency == "normal"
    assert rules.triage(Kind.CHRONIC_MEDICINE, {"medicine_days_left": "x"}).urgency == "normal"
    assert rules.triage(Kind.MENTAL_HEALTH, {"crisis": "on"}).urgency == "high"
    assert rules.triage(Kind.FOOD, {"no_food_left": True}).urgency == "normal"
    assert rules.triage(Kind.FOOD, {"no_food_left": 1, "vulnerable": 1}).urgency == "high"
    assert rules.triage(Kind.OTHER).reasons[0].code == "routine"


def test_deadlines_from_the_setting_with_defaults() -> None:
    assert rules.parse_deadlines("") == {"urgent": 30, "high": 120, "normal": 1440}
    assert rules.parse_deadlines("urgent=15, normal=600")["urgent"] == 15
    assert rules.deadline(NOW, "urgent", rules.parse_deadlines("")) == NOW + timedelta(minutes=30)


@pytest.mark.parametrize(("text", "says"), [
    ("urgent", "expected urgency=minutes"), ("soon=5", "unknown urgency"),
    ("high=two", "not a whole number"), ("urgent=0", "at least 1 minute"),
    ("urgent=300", "longer deadline"),
])
def test_bad_deadlines_name_the_pair(text, says) -> None:
    with pytest.raises(rules.BadDeadlines, match=says):
        rules.parse_deadlines(text)


def test_the_status_machine_goes_one_step_at_a_time() -> None:
    order = [Status.RECEIVED, Status.TRIAGED, Status.ASSIGNED, Status.IN_PROGRESS,
             Status.DELIVERED]
    for current, wanted in zip(order, order[1:], strict=False):
        assert rules.check_step(current, wanted, has_team=True) is None
    assert rules.check_step("received", "assigned", has_team=True).code == "skipped"
    assert rules.check_step("received", "delivered").values["next"] == "triaged"
    assert rules.check_step("in_progress", "triaged").code == "backwards"
    assert rules.check_step("triaged", "triaged").code == "same_status"
    assert rules.check_step("delivered", "closed", reason="x").code == "already_final"
    assert rules.check_step("closed", "received").code == "already_final"
    assert rules.check_step("triaged", "assigned").code == "no_team"
    assert rules.check_step("received", "closed").code == "close_without_reason"
    assert rules.check_step("received", "closed", reason="moved away") is None
    assert rules.next_steps("delivered") == ()


def test_overdue_urgent_requests_sort_first() -> None:
    late_food = rules.queue_key(2, NOW - timedelta(hours=30), NOW, 1)
    urgent = rules.queue_key(0, NOW + timedelta(minutes=20), NOW, 2)
    late_urgent = rules.queue_key(0, NOW - timedelta(minutes=1), NOW, 3)
    assert sorted([late_food, urgent, late_urgent]) == [late_urgent, urgent, late_food]


LOW = LeaveRule("low", True, 48)


def test_a_traveller_with_a_recent_negative_may_leave() -> None:
    result = rules.eligibility(LOW, results=[(NOW - timedelta(hours=20), "negative")],
                               in_quarantine=False, now=NOW)
    assert result.eligible and result.reasons == ()
    assert result.valid_until == NOW + timedelta(hours=28)


def test_every_refusal_is_given_at_once() -> None:
    result = rules.eligibility(LeaveRule("medium", False, 0),
                               results=[(NOW - timedelta(hours=5), "positive")],
                               in_quarantine=True, now=NOW)
    assert not result.eligible
    assert [r.code for r in result.reasons] == ["area_closed", "in_quarantine", "positive"]


@pytest.mark.parametrize(("results", "code"), [
    ([], "no_negative_test"),
    ([(NOW - timedelta(hours=49), "negative")], "negative_too_old"),
    ([(NOW - timedelta(hours=2), "invalid")], "no_negative_test"),
    ([(NOW - timedelta(hours=10), "negative"), (NOW - timedelta(hours=3), "positive")],
     "positive"),
    ([(NOW + timedelta(hours=1), "negative")], "no_negative_test"),  # not yet sampled
])
def test_the_test_window_of_the_preset(results, code) -> None:
    result = rules.eligibility(LOW, results=results, in_quarantine=False, now=NOW)
    assert [r.code for r in result.reasons] == [code]


def test_a_negative_after_a_positive_counts() -> None:
    result = rules.eligibility(LOW, results=[(NOW - timedelta(hours=40), "positive"),
                                             (NOW - timedelta(hours=4), "negative")],
                               in_quarantine=False, now=NOW)
    assert result.eligible


def test_no_test_needed_where_the_preset_asks_none() -> None:
    assert rules.eligibility(LeaveRule(None, True, 0), results=[], in_quarantine=False,
                             now=NOW).eligible
