"""The rules of a quarantine stay, as plain functions of dates: no Django, no database.

The schedule itself (`schedule()`, `Day`, `planned_end()`...) lives in `protocols/schedule.py`,
where tracing's follow-up calendar reads it too; it is re-exported here. A stay's length, phases
and test days come from the protocol preset's person rule
(`protocols.PersonRule`: `quarantine_days`, `home_monitoring_days`, `test_days`), never from
code. Day 1 is the first day of the stay (the day of placement); the quarantine days come first,
then the home-monitoring days; the last day of the stay is day `stay_days`. The services, the
CLI, the pages and the API all read the schedule from `schedule()`, so a shorter preset
(cn-20-measures' 5 + 3 against the 9th edition's 7 + 3) changes every one of them at once.

Release rule: the last day is reached and every test day up to it has a negative result. A
missing, invalid or positive result blocks the release (a commander may override with a reason,
which the services audit).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from outbreakhq.protocols import PersonRule
from outbreakhq.protocols.schedule import (  # noqa: F401  (the schedule's one home, re-exported)
    HOME_MONITORING,
    QUARANTINE,
    Day,
    day_of,
    has_stay,
    is_test_day,
    planned_end,
    quarantine_end,
    schedule,
    test_dates,
)

NEGATIVE, POSITIVE, INVALID = "negative", "positive", "invalid"
RESULTS = (NEGATIVE, POSITIVE, INVALID)


@dataclass(frozen=True)
class Blocker:
    """Why a stay cannot be released yet: `code` is one of the constants below, `day` the stay
    day concerned (the last day for NOT_LAST_DAY), `on` its date."""

    code: str
    day: int
    on: date


NOT_LAST_DAY = "not_last_day"  # the last day of the stay is not reached
TEST_MISSING = "test_missing"  # a test day without a result
TEST_POSITIVE = "test_positive"  # a positive result
TEST_INVALID = "test_invalid"  # an invalid result, to be repeated


def tests_due(rule: PersonRule, start: date, results: Mapping[int, str], today: date
              ) -> tuple[list[int], list[int]]:
    """(test days due today without a result, test days before today without a result)."""
    now = day_of(start, today)
    due = [n for n in rule.test_days if n == now and n not in results]
    overdue = [n for n in rule.test_days if n < now and n not in results]
    return due, overdue


def release_blockers(rule: PersonRule, start: date, results: Mapping[int, str], on: date
                     ) -> list[Blocker]:
    """Why the stay may not end on `on` (empty: it may). `results`: stay day -> result."""
    blockers: list[Blocker] = []
    last = rule.stay_days
    if day_of(start, on) < last:
        blockers.append(Blocker(NOT_LAST_DAY, last, planned_end(rule, start)))
    for n in rule.test_days:
        when = start + timedelta(days=n - 1)
        result = results.get(n)
        if result is None:
            blockers.append(Blocker(TEST_MISSING, n, when))
        elif result == POSITIVE:
            blockers.append(Blocker(TEST_POSITIVE, n, when))
        elif result == INVALID:
            blockers.append(Blocker(TEST_INVALID, n, when))
    # A positive found on a day that was not scheduled (an override) blocks as well.
    for n, result in sorted(results.items()):
        if n not in rule.test_days and result == POSITIVE:
            blockers.append(Blocker(TEST_POSITIVE, n, start + timedelta(days=n - 1)))
    return blockers


def may_release(rule: PersonRule, start: date, results: Mapping[int, str], on: date) -> bool:
    return not release_blockers(rule, start, results, on)


@dataclass(frozen=True)
class Switch:
    """What a change of preset on `on` does to one running stay."""

    old_end: date
    new_end: date
    released_today: bool  # under the new rules the stay is complete and clear on `on`
    schedule: tuple[Day, ...]  # the stay's schedule under the new rules


def switch(old: PersonRule, new: PersonRule, start: date, results: Mapping[int, str],
           on: date, *, recompute: bool = True) -> Switch:
    """A deployment moves from preset `old` to `new` on `on`; this stay began on `start`.

    With `recompute` (the stay follows the new rules from that date, as the twenty measures did
    for close contacts already in quarantine): its day numbers stay the same, its last day and
    test days become the new rule's, and results already recorded keep counting. The stay is
    released on `on` if, under the new rule, its last day is `on` or earlier and every new test
    day up to then is negative. Without `recompute`, the stay finishes under the old rules."""
    rule = new if recompute and has_stay(new) else old
    if recompute and not has_stay(new):
        # The new preset no longer quarantines this kind of person at all: released at once.
        return Switch(old_end=planned_end(old, start), new_end=on, released_today=True,
                      schedule=())
    new_end = planned_end(rule, start)
    clear = may_release(rule, start, results, max(on, new_end))
    return Switch(old_end=planned_end(old, start), new_end=new_end,
                  released_today=recompute and new_end <= on and clear,
                  schedule=tuple(schedule(rule, start)))


# Closed-loop staff cohorts ------------------------------------------------------------------

def staff_untested(last_test: date | None, today: date, every_days: int) -> bool:
    """Whether a cohort member needs a test today: no test in the last `every_days` days
    (today included). `every_days` is the preset's `quarantine.staff_test_every_days` of the
    cohort's kind; 1 means a test every day."""
    return last_test is None or last_test <= today - timedelta(days=every_days)
