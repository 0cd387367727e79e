"""The schedule and release rule of a stay, as pure functions under every shipped preset."""

from __future__ import annotations

import ast
from datetime import date, timedelta
from pathlib import Path

import pytest

from outbreakhq import protocols
from outbreakhq.quarantine import rules

START = date(2022, 11, 1)
PRESETS = protocols.available()


def negatives(rule) -> dict[int, str]:
    return dict.fromkeys(rule.test_days, rules.NEGATIVE)


def test_every_shipped_preset_is_covered():
    assert {"cn-9th-edition", "cn-20-measures", "who-generic"} <= set(PRESETS)


def test_the_rules_import_no_django():
    tree = ast.parse(Path(rules.__file__).read_text(encoding="utf-8"))
    names = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    names += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [n for n in names if n.startswith(("django", "ninja", "outbreakhq.core"))]


def test_close_contact_under_the_ninth_edition_is_seven_plus_three_with_six_tests():
    rule = protocols.load("cn-9th-edition").rule_for("close_contact")
    days = rules.schedule(rule, START)
    assert len(days) == 10
    assert [d.phase for d in days] == [rules.QUARANTINE] * 7 + [rules.HOME_MONITORING] * 3
    assert [d.day for d in days if d.test] == [1, 2, 3, 5, 7, 10]
    assert days[0].date == START and days[-1].date == START + timedelta(days=9)


def test_close_contact_under_the_twenty_measures_is_five_plus_three():
    rule = protocols.load("cn-20-measures").rule_for("close_contact")
    days = rules.schedule(rule, START)
    assert [d.phase for d in days] == [rules.QUARANTINE] * 5 + [rules.HOME_MONITORING] * 3
    # Quarantine days 1, 2, 3, 5 and home days 1 and 3.
    assert [d.day for d in days if d.test] == [1, 2, 3, 5, 6, 8]
    assert rules.planned_end(rule, START) == date(2022, 11, 8)
    assert rules.quarantine_end(rule, START) == date(2022, 11, 5)


def test_who_generic_close_contact_is_fourteen_days_at_home_without_tests():
    rule = protocols.load("who-generic").rule_for("close_contact")
    days = rules.schedule(rule, START)
    assert len(days) == 14 and not any(d.test for d in days)
    assert rules.may_release(rule, START, {}, START + timedelta(days=13))
    assert not rules.may_release(rule, START, {}, START + timedelta(days=12))


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("kind", protocols.PERSON_CATEGORIES)
def test_every_kind_of_every_preset_has_a_schedule_matching_its_rule(preset, kind):
    rule = protocols.load(preset).rule_for(kind)
    days = rules.schedule(rule, START)
    if not rules.has_stay(rule):
        assert days == []
        return
    assert len(days) == rule.stay_days
    assert [d.day for d in days] == list(range(1, rule.stay_days + 1))
    assert [d.day for d in days if d.test] == list(rule.test_days)
    assert sum(d.phase == rules.QUARANTINE for d in days) == rule.quarantine_days
    assert all(b.date - a.date == timedelta(days=1) for a, b in zip(days, days[1:], strict=False))


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("kind", protocols.PERSON_CATEGORIES)
def test_a_stay_is_released_on_its_last_day_when_every_test_is_negative(preset, kind):
    rule = protocols.load(preset).rule_for(kind)
    if not rules.has_stay(rule):
        return
    last = rules.planned_end(rule, START)
    assert rules.release_blockers(rule, START, negatives(rule), last) == []
    early = rules.release_blockers(rule, START, negatives(rule), last - timedelta(days=1))
    assert [b.code for b in early] == [rules.NOT_LAST_DAY]


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("kind", protocols.PERSON_CATEGORIES)
def test_a_missing_or_positive_test_blocks_the_release(preset, kind):
    rule = protocols.load(preset).rule_for(kind)
    if not rule.test_days:
        return
    last = rules.planned_end(rule, START)
    results = negatives(rule)
    first = rule.test_days[0]
    del results[first]
    assert [(b.code, b.day) for b in rules.release_blockers(rule, START, results, last)] == [
        (rules.TEST_MISSING, first)]
    results[first] = rules.POSITIVE
    assert [b.code for b in rules.release_blockers(rule, START, results, last)] == [
        rules.TEST_POSITIVE]
    results[first] = rules.INVALID
    assert not rules.may_release(rule, START, results, last)


def test_tests_due_today_and_overdue_are_the_test_days_without_results():
    rule = protocols.load("cn-20-measures").rule_for("close_contact")
    due, overdue = rules.tests_due(rule, START, {1: rules.NEGATIVE}, START + timedelta(days=2))
    assert (due, overdue) == ([3], [2])
    assert rules.tests_due(rule, START, {}, START - timedelta(days=1)) == ([], [])


def test_a_day_that_is_not_a_test_day_is_recognised():
    rule = protocols.load("cn-9th-edition").rule_for("close_contact")
    assert rules.is_test_day(rule, START, START)
    assert not rules.is_test_day(rule, START, START + timedelta(days=3))  # day 4
    assert rules.day_of(START, START - timedelta(days=1)) == 0


def test_switching_to_the_twenty_measures_releases_a_clear_contact_on_day_eight():
    old = protocols.load("cn-9th-edition").rule_for("close_contact")
    new = protocols.load("cn-20-measures").rule_for("close_contact")
    on = START + timedelta(days=7)  # day 8
    results = {1: "negative", 2: "negative", 3: "negative", 5: "negative", 7: "negative"}
    # Day 6 was not a test day under the 9th edition: the new rule wants it.
    outcome = rules.switch(old, new, START, results, on)
    assert outcome.old_end == START + timedelta(days=9)
    assert outcome.new_end == START + timedelta(days=7)
    assert not outcome.released_today
    results |= {6: "negative", 8: "negative"}
    assert rules.switch(old, new, START, results, on).released_today


def test_a_stay_started_after_the_switch_is_untouched_and_a_kept_stay_finishes_old_rules():
    old = protocols.load("cn-9th-edition").rule_for("close_contact")
    new = protocols.load("cn-20-measures").rule_for("close_contact")
    kept = rules.switch(old, new, START, {}, START + timedelta(days=7), recompute=False)
    assert kept.new_end == kept.old_end and not kept.released_today
    early = rules.switch(old, new, START, {1: "negative"}, START + timedelta(days=1))
    assert early.new_end == START + timedelta(days=7) and not early.released_today


def test_a_kind_the_new_preset_no_longer_quarantines_is_released_on_the_switch():
    old = protocols.load("cn-9th-edition").rule_for("secondary_contact")
    new = protocols.load("cn-20-measures").rule_for("secondary_contact")
    outcome = rules.switch(old, new, START, {}, START + timedelta(days=2))
    assert outcome.released_today and outcome.schedule == ()
