"""Early-warning rules and the stay rule, as pure functions: no Django, no database.

zones/feed.py asks tracing and screening for facts (through core/hooks.py, never by import) and
calls these; tests/zones/test_warnings.py checks them without a database.

- A case with no known source: an infection nobody can place in a known chain is the first
  sign of transmission that tracing has not found (issue 11, early warning). See `known_source`.
- Positivity rising over the last rounds: an area's all-resident rounds each a little worse
  than the one before, before any single round is alarming. See `positivity_rising`.
- A stay: a case's visit to a place in its infectious period, long enough for transmission,
  grades the place's area (the preset's `grading.grade_on_case_stay`). See `stay_day`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

# Why a case's source counts as known, in the order they are checked (the first one found is
# the reason given). Each is a fact tracing records:
#   source_case        - the infector is a case here (the chains' link)
#   source_external_id - the infector is named by a line list but not (yet) a case here
#   candidate          - possible infectors were listed (the most likely one is the source)
#   contact            - the person was recorded as a contact of a case (or of a contact)
#                        before the case was found: traced, so not unknown
#   under_control      - found while under follow-up or in quarantine
#   cluster            - the case belongs to an outbreak cluster at a known place
#   exposure           - the investigation recorded how and when the case was infected
#   inbound            - an inbound traveller: infected before arriving, not by local spread
KNOWN_SOURCE_FACTS = ("source_case", "source_external_id", "candidate", "contact",
                      "under_control", "cluster", "exposure", "inbound")


def known_source(facts: Mapping[str, object]) -> str | None:
    """The first reason the case's source is known (one of KNOWN_SOURCE_FACTS), None when it is
    not: then the case raises an "unknown source" alert in its area. A missing fact is false."""
    for name in KNOWN_SOURCE_FACTS:
        if facts.get(name):
            return name
    return None


@dataclass(frozen=True)
class RoundFigure:
    """One closed round of an area: its day, the tubes resulted and how many were positive."""

    day: date
    tubes: int
    positive: int

    @property
    def positivity(self) -> float:
        return self.positive / self.tubes if self.tubes else 0.0


def positivity_rising(rounds: Sequence[RoundFigure], *, count: int, min_positivity: float
                      ) -> bool:
    """Whether the last `count` rounds (oldest first, rounds without a resulted tube left out)
    show positivity strictly rising, the last one at least `min_positivity`.

    Strictly: each round above the one before, so a flat run (0 %, 0 %, 0 %) or a dip is no
    warning; the threshold keeps three rounds of 0 %, 0.01 %, 0.02 % (one positive tube in a
    large area) quiet. Fewer than `count` rounds with tubes: no warning yet.
    """
    figures = [r for r in rounds if r.tubes > 0][-count:]
    if len(figures) < count:
        return False
    # Compared as fractions (a/b < c/d as a*d < c*b) so that equal shares are equal.
    rising = all(a.positive * b.tubes < b.positive * a.tubes
                 for a, b in zip(figures, figures[1:], strict=False))
    return rising and figures[-1].positivity >= min_positivity


@dataclass(frozen=True)
class Visit:
    """A case's visit to a place, with what the case's dates say of its infectious period."""

    date_from: date
    date_to: date
    hours: int | None
    onset: date | None
    sampling: date | None
    report: date


def infectious_period(visit: Visit, *, lookback_days: int) -> tuple[date, date]:
    """From the protocol's look-back before onset (before sampling for a case without symptoms;
    before the report date when neither is known) to the report date, when the case was
    isolated. The same look-back as tracing's contact window (tracing/rules.py)."""
    anchor = visit.onset or visit.sampling or visit.report
    return anchor - timedelta(days=lookback_days), visit.report


def stay_day(visit: Visit, *, lookback_days: int, min_hours: int) -> date | None:
    """The day of the `stay` event a visit makes, None when it makes none.

    A visit is a stay when it overlaps the infectious period and lasted long enough: several
    days always do; a visit within one day does when its hours are at least `min_hours`, or
    when its hours are not known (the tracer recorded it as a place the case went to; the
    commander still decides the proposal). The stay's day is the last infectious day the case
    was there: the place's case-free days count from the day after.
    """
    start, end = infectious_period(visit, lookback_days=lookback_days)
    if visit.date_to < start or visit.date_from > end:
        return None
    if visit.date_to == visit.date_from and visit.hours is not None and visit.hours < min_hours:
        return None
    return min(visit.date_to, end)


def tested_share(last_tests: Sequence[date | None], *, every_days: int, today: date
                 ) -> tuple[int, int]:
    """Today's compliance at a key place: (people tested within the window, people), where the
    window is the `every_days` days ending today (1: today only). `last_tests` holds each
    person's latest test day (None: never tested). `every_days` 0 (no routine testing): (0, 0)."""
    if every_days <= 0:
        return 0, 0
    since = today - timedelta(days=every_days - 1)
    return sum(1 for day in last_tests if day is not None and since <= day <= today), \
        len(last_tests)
