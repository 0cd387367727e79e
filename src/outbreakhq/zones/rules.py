"""The risk-area clocks (issue 11): pure Python, no Django, driven by a preset's `grading` keys.

An area's history is a list of dated events: an infection found living or working there, a case
who stayed there, an all-resident screening round that came back all negative or with a
positive. The clock turns them into a grade per day:

- Case-free day 1 is the day after the last infection found in the area (or after the stay that
  gave it the stay grade).
- An infection grades the area `grade_on_case_resident` that same day, wherever it stood; a
  positive round is an infection found that day. Inside an area already at that grade it
  restarts the clock when `extend_on_new_infection` is on.
- A stay grades the area `grade_on_case_stay` unless it already stands at that grade or higher
  (then a stay at the stay grade restarts its clock; a higher area is left alone).
- Leaving grade G follows `downgrade.G`: `days_required(came_from_higher)` case-free days and,
  when `negative_round_on_last_day` is on, a complete all-negative round on the last of them or,
  if that round was missed, the first such round after it. The lower grade takes effect the day
  after (the last case-free day, or the round).
- An area that came down from a higher grade and whose rule has `case_free_days_after_higher`
  counts those days from the day it came down, and needs no round.
- The lowest grade is the end: nothing is left to lift.

`Clock` runs one area day by day; `replay` runs many (the CLI, the daily job and the tests all
use it); `ClockState.earliest_lift` looks ahead assuming quiet days and negative rounds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

INFECTION = "infection"
STAY = "stay"
ROUND_NEGATIVE = "round_negative"
ROUND_POSITIVE = "round_positive"
ROUND_INCOMPLETE = "round_incomplete"  # a round that missed residents: counts for nothing
EVENT_KINDS = (INFECTION, STAY, ROUND_NEGATIVE, ROUND_POSITIVE, ROUND_INCOMPLETE)
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Step:
    """How an area leaves one grade: to which grade, after how many case-free days, whether a
    negative round is needed on the last of them."""

    to: str
    days: int
    days_after_higher: int  # 0: an area that came down waits `days` like any other
    needs_round: bool

    def required(self, *, came_from_higher: bool) -> tuple[int, bool]:
        """(case-free days, whether a round is needed) for an area in this grade."""
        if came_from_higher and self.days_after_higher:
            return self.days_after_higher, False
        return self.days, self.needs_round


@dataclass(frozen=True)
class ClockRules:
    grades: tuple[str, ...]  # highest risk first
    resident_grade: str
    stay_grade: str
    extend_on_new_infection: bool
    steps: Mapping[str, Step]

    @classmethod
    def from_grading(cls, grading) -> ClockRules:
        """The rules of a preset's `grading` section (protocols/schema.py Grading)."""
        steps = {}
        for grade, rule in grading.downgrade.items():
            # `days_required(came_from_higher=False)` honours the reading the deployment chose.
            steps[grade] = Step(rule.to, rule.days_required(came_from_higher=False),
                                rule.case_free_days_after_higher, rule.negative_round_on_last_day)
        return cls(tuple(grading.grades), grading.grade_on_case_resident,
                   grading.grade_on_case_stay, grading.extend_on_new_infection, steps)

    def rank(self, grade: str | None) -> int:
        """0 for the highest grade; ungraded ranks below every grade."""
        return self.grades.index(grade) if grade is not None else len(self.grades)


@dataclass(frozen=True)
class AreaEvent:
    day: date
    kind: str
    ref: str = ""  # what is behind it (a case number, a round): kept in a designation's reason

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"unknown event {self.kind!r}; "
                             f"expected one of {', '.join(EVENT_KINDS)}")


@dataclass(frozen=True)
class ClockState:
    """Where an area's clock stands at the end of `day`."""

    day: date
    grade: str | None
    since: date | None  # first day of the current grade
    came_from_higher: bool
    anchor: date | None  # case-free day 1 is the day after this one
    case_free_day: int  # 0: an infection (or the stay) today
    days_required: int  # 0: the lowest grade, nothing to count
    round_needed: bool
    next_grade: str | None
    next_step: date | None  # the next grade takes effect this day at the earliest
    earliest_lift: date | None  # the lowest grade at the earliest (quiet days, negative rounds)
    pending: str | None = None  # a step already earned, in force tomorrow
    reasons: tuple[AreaEvent, ...] = field(default=())  # events since the grade was set

    @property
    def lowest(self) -> bool:
        return self.next_grade is None


class Clock:
    """One area's clock. Feed it every day in order with that day's events (`advance`)."""

    def __init__(self, rules: ClockRules) -> None:
        self.rules = rules
        self.grade: str | None = None
        self.since: date | None = None
        self.came_from_higher = False
        self.anchor: date | None = None
        self.pending: tuple[date, str] | None = None  # (effective day, grade)
        self.reasons: list[AreaEvent] = []
        self.day: date | None = None

    def copy(self) -> Clock:
        twin = Clock(self.rules)
        twin.__dict__.update(self.__dict__, reasons=list(self.reasons))
        return twin

    def _set(self, grade: str, day: date, *, came_from_higher: bool, anchor: date) -> None:
        if grade != self.grade:
            self.grade, self.since, self.reasons = grade, day, []
        self.came_from_higher, self.anchor, self.pending = came_from_higher, anchor, None

    def advance(self, day: date, events: Iterable[AreaEvent] = ()) -> str | None:
        """Close `day` with its events; returns the grade in force that day."""
        if self.day is not None and day != self.day + ONE_DAY:
            raise ValueError(f"days must follow each other: {self.day} then {day}")
        self.day = day
        if self.pending and self.pending[0] == day:
            self._set(self.pending[1], day, came_from_higher=True, anchor=day - ONE_DAY)
        events = list(events)
        self._apply(day, {event.kind for event in events})
        self.reasons.extend(events)  # after a change of grade: the events behind the new one
        return self.grade

    def _apply(self, day: date, kinds: set[str]) -> None:
        r = self.rules
        if kinds & {INFECTION, ROUND_POSITIVE}:
            rank, resident = r.rank(self.grade), r.rank(r.resident_grade)
            if rank != resident or r.extend_on_new_infection:
                grade = r.resident_grade if rank >= resident else self.grade
                self._set(grade, day, came_from_higher=False, anchor=day)
        elif STAY in kinds and r.rank(self.grade) >= r.rank(r.stay_grade):
            self._set(r.stay_grade, day, came_from_higher=False, anchor=day)
        else:
            self._check_step(day, ROUND_NEGATIVE in kinds)

    def skip_to(self, last: date) -> None:
        """Quiet days (no event) up to `last`: the same as `advance(day)` for each of them, but
        jumping straight to the days something can happen (a step taking effect, the last
        case-free day of a step that needs no round)."""
        while self.day < last:
            target = last
            if self.pending:
                target = min(target, self.pending[0])
            elif self.grade in self.rules.steps:
                days, needs_round = self.rules.steps[self.grade].required(
                    came_from_higher=self.came_from_higher)
                due = self.anchor + timedelta(days=days)
                if not needs_round:
                    target = min(target, max(due, self.day + ONE_DAY))
            self.day = target - ONE_DAY
            self.advance(target)

    def _check_step(self, day: date, negative_round: bool) -> None:
        step = self.rules.steps.get(self.grade) if self.grade else None
        if step is None or self.pending is not None:
            return
        days, needs_round = step.required(came_from_higher=self.came_from_higher)
        if (day - self.anchor).days >= days and (negative_round or not needs_round):
            self.pending = (day + ONE_DAY, step.to)

    def state(self, *, look_ahead: bool = True) -> ClockState:
        """Where the clock stands at the end of the last day fed (`look_ahead`: with the
        earliest dates of the next steps, which cost a short run of the clock)."""
        step = self.rules.steps.get(self.grade) if self.grade else None
        days, needs_round = (step.required(came_from_higher=self.came_from_higher) if step
                             else (0, False))
        next_step, lift = self._look_ahead() if step and look_ahead else (None, None)
        free = (self.day - self.anchor).days if self.anchor else 0
        return ClockState(self.day, self.grade, self.since, self.came_from_higher, self.anchor,
                          free, days, needs_round, step.to if step else None, next_step, lift,
                          self.pending[1] if self.pending else None, tuple(self.reasons))

    def _look_ahead(self) -> tuple[date | None, date | None]:
        """Quiet days with a negative round every day from tomorrow: when the next grade and
        the lowest grade would take effect at the earliest."""
        twin, first = self.copy(), None
        day = self.day
        quiet = [AreaEvent(day, ROUND_NEGATIVE)]
        for _ in range(3660):
            if twin.rules.steps.get(twin.grade) is None:
                return first, day
            day += ONE_DAY
            before = twin.grade
            twin.advance(day, quiet)
            twin.reasons.clear()
            if twin.grade != before and first is None:
                first = day
        return first, None


def next_check(rules: ClockRules, state: ClockState) -> date | None:
    """The first day after `state.day` on which what the clock asks for (the grade and its
    first day) can change **without a new event**: the day a step that needs no round is
    earned. None when only a new event can change it (no grade, the lowest grade, or a step
    that waits for a negative round). The daily regrade skips an area until this day unless
    its log grows (zones/services/designations.py).

    A step already earned (`pending`, in force tomorrow) does not change the target when it
    takes effect; the next change is the step after it, counted from the day before it takes
    effect, as `Clock.advance` does."""
    if state.grade is None:
        return None
    if state.pending:
        effective = state.day + ONE_DAY
        step = rules.steps.get(state.pending)
        if step is None:
            return None
        days, needs_round = step.required(came_from_higher=True)
        return None if needs_round else max(effective, effective - ONE_DAY + timedelta(days=days))
    step = rules.steps.get(state.grade)
    if step is None or state.anchor is None:
        return None
    days, needs_round = step.required(came_from_higher=state.came_from_higher)
    if needs_round:
        return None
    return max(state.day + ONE_DAY, state.anchor + timedelta(days=days))


def replay(rules: ClockRules, events: Iterable[tuple[str, AreaEvent]],
           until: date | None = None) -> list[tuple[date, str, str | None]]:
    """(day, area, grade) for every area from its first event to `until` (default: 30 days
    after the last event of the file), areas in order of first appearance."""
    by_area: dict[str, dict[date, list[AreaEvent]]] = defaultdict(lambda: defaultdict(list))
    last = None
    for area, event in events:
        by_area[area][event.day].append(event)
        last = event.day if last is None or event.day > last else last
    if last is None:
        return []
    until = until or last + timedelta(days=30)
    rows = []
    for area, days in by_area.items():
        clock, day = Clock(rules), min(days)
        while day <= until:
            rows.append((day, area, clock.advance(day, days.get(day, ()))))
            day += ONE_DAY
    return rows


def state_on(rules: ClockRules, events: Iterable[AreaEvent], day: date) -> ClockState | None:
    """One area's clock at the end of `day` (None: no event on or before it)."""
    per_day: dict[date, list[AreaEvent]] = defaultdict(list)
    for event in events:
        if event.day <= day:
            per_day[event.day].append(event)
    if not per_day:
        return None
    return run_clock(rules, per_day, day).state()


def run_clock(rules: ClockRules, per_day: Mapping[date, list[AreaEvent]], last: date) -> Clock:
    """A clock fed with one area's events (by day) up to the end of `last`, quiet days
    skipped."""
    clock = Clock(rules)
    for event_day in sorted(per_day):
        if event_day > last:
            break
        if clock.day is not None:
            clock.skip_to(event_day - ONE_DAY)
        clock.advance(event_day, per_day[event_day])
    clock.skip_to(last)
    return clock
