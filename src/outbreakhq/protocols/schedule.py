"""The schedule of a person rule, as plain functions of dates: no Django, no database.

One place for the rule that both quarantine (a stay's days) and tracing (a contact's follow-up
calendar) read, so that a preset's test days are the same on every page. A person rule
(`protocols.PersonRule`) gives `quarantine_days`, `home_monitoring_days` and `test_days`; day 1
is the first day counted (the day of placement for a quarantine stay, the first day of the
follow-up window for a contact), the quarantine days come first, then the home-monitoring days,
and the last day is day `stay_days`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from outbreakhq.protocols.schema import PersonRule

QUARANTINE = "quarantine"
HOME_MONITORING = "home_monitoring"


@dataclass(frozen=True)
class Day:
    """One day of a schedule."""

    day: int  # 1 is the first day
    date: date
    phase: str  # QUARANTINE or HOME_MONITORING
    test: bool

    def as_dict(self) -> dict:
        return {"day": self.day, "date": self.date.isoformat(), "phase": self.phase,
                "test": self.test}


def has_stay(rule: PersonRule) -> bool:
    """Whether the rule puts a person in quarantine at all (who-generic's travellers do not)."""
    return rule.quarantine_days > 0


def schedule(rule: PersonRule, start: date) -> list[Day]:
    """The stay of `rule` starting on `start`, one row per day; empty when the rule has no stay."""
    if not has_stay(rule):
        return []
    tests = set(rule.test_days)
    return [Day(day=n, date=start + timedelta(days=n - 1),
                phase=QUARANTINE if n <= rule.quarantine_days else HOME_MONITORING,
                test=n in tests)
            for n in range(1, rule.stay_days + 1)]


def quarantine_end(rule: PersonRule, start: date) -> date:
    """The last day of the quarantine phase (the day the person leaves a site's bed)."""
    return start + timedelta(days=max(rule.quarantine_days, 1) - 1)


def planned_end(rule: PersonRule, start: date) -> date:
    """The last day of the stay, home monitoring included."""
    return start + timedelta(days=max(rule.stay_days, 1) - 1)


def day_of(start: date, on: date) -> int:
    """The day number that `on` is (1 on the start date; 0 or less before it)."""
    return (on - start).days + 1


def is_test_day(rule: PersonRule, start: date, on: date) -> bool:
    return day_of(start, on) in rule.test_days


def test_dates(rule: PersonRule, start: date) -> list[date]:
    """The dates of the rule's test days, counted from `start` as day 1."""
    return [start + timedelta(days=n - 1) for n in rule.test_days]
