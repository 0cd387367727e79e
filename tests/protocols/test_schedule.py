"""The one schedule of a person rule (protocols/schedule.py) that quarantine's stays and
tracing's follow-up calendar both read."""

from __future__ import annotations

from datetime import date

from outbreakhq import protocols
from outbreakhq.protocols import schedule

DAY = date(2026, 3, 10)


def test_a_follow_ups_test_dates_are_the_quarantine_schedules_test_days():
    rule = protocols.load("cn-20-measures").rule_for("close_contact")
    dates = schedule.test_dates(rule, DAY)
    assert dates == [d.date for d in schedule.schedule(rule, DAY) if d.test]
    assert [(d - DAY).days + 1 for d in dates] == [1, 2, 3, 5, 6, 8]
