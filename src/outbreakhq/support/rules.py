"""The rules of residents' support and stranded travellers, without Django (tested without a
database): how urgent a request is, by when someone must answer it, which status may follow
which, and whether a stranded traveller may leave.

Every refusal is a `Reason` (a code and its values); support/messages.py words it in the
page's language, so that this module stays free of Django.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum


class Kind(StrEnum):
    FOOD = "food"
    CHRONIC_MEDICINE = "chronic_medicine"
    URGENT_CARE = "urgent_care"
    DIALYSIS = "dialysis"
    CHEMOTHERAPY = "chemotherapy"
    MATERNITY = "maternity"
    MENTAL_HEALTH = "mental_health"
    OTHER = "other"


class Urgency(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"


class Rank(IntEnum):
    """The queue's order: lower first. Stored with each request (its `urgency_rank`)."""

    URGENT = 0
    HIGH = 1
    NORMAL = 2


RANK = {Urgency.URGENT: Rank.URGENT, Urgency.HIGH: Rank.HIGH, Urgency.NORMAL: Rank.NORMAL}

# Care that cannot wait for a lockdown to end: always urgent, whatever the answers say, and so
# always above every request for supplies (the Xi'an and Shanghai lessons of 2022).
MEDICAL = frozenset({Kind.URGENT_CARE, Kind.DIALYSIS, Kind.CHEMOTHERAPY, Kind.MATERNITY})
# A medicine that runs out within this many days makes a chronic-medicine request high.
MEDICINE_RUNS_OUT_DAYS = 2


@dataclass(frozen=True)
class Reason:
    """Why: a code (support/messages.py words it) and the values its sentence names."""

    code: str
    values: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Triage:
    urgency: Urgency
    reasons: tuple[Reason, ...]

    @property
    def rank(self) -> int:
        return int(RANK[self.urgency])


def _flag(answers: Mapping[str, object], name: str) -> bool:
    value = answers.get(name)
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def _days(answers: Mapping[str, object], name: str) -> int | None:
    value = answers.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def triage(kind: str, answers: Mapping[str, object] | None = None) -> Triage:
    """The urgency of a request from its kind and the resident's answers.

    - Urgent medical care, dialysis, chemotherapy and maternity: urgent, always.
    - Chronic medicine that has run out or runs out within MEDICINE_RUNS_OUT_DAYS days
      (`medicine_days_left`), and mental health in crisis (`crisis`): high.
    - Food and daily goods with nothing left to eat (`no_food_left`) in a household with an
      infant, an elderly person alone or a disabled person (`vulnerable`): high.
    - Everything else: normal.
    The answers can raise a request within its kind's limits, never above the medical kinds."""
    answers = answers or {}
    kind = Kind(kind)
    if kind in MEDICAL:
        return Triage(Urgency.URGENT, (Reason("medical_kind", {"kind": kind.value}),))
    if kind == Kind.CHRONIC_MEDICINE:
        left = _days(answers, "medicine_days_left")
        if left is not None and left <= MEDICINE_RUNS_OUT_DAYS:
            return Triage(Urgency.HIGH, (Reason("medicine_runs_out", {"days": max(left, 0)}),))
    if kind == Kind.MENTAL_HEALTH and _flag(answers, "crisis"):
        return Triage(Urgency.HIGH, (Reason("mental_health_crisis"),))
    if kind == Kind.FOOD and _flag(answers, "no_food_left") and _flag(answers, "vulnerable"):
        return Triage(Urgency.HIGH, (Reason("no_food_vulnerable"),))
    return Triage(Urgency.NORMAL, (Reason("routine", {"kind": kind.value}),))


# --- response deadlines ----------------------------------------------------------------------

DEFAULT_DEADLINES = {Urgency.URGENT: 30, Urgency.HIGH: 120, Urgency.NORMAL: 1440}  # minutes


class BadDeadlines(ValueError):
    """The deadlines setting cannot be read: the message names the pair and why."""


def parse_deadlines(text: str) -> dict[Urgency, int]:
    """`urgent=30,high=120,normal=1440` (minutes) -> {urgency: minutes}; urgencies not named
    keep their default. A deadline for a more urgent level may not be longer than a less
    urgent one's: the queue's order would stop meaning anything."""
    deadlines = dict(DEFAULT_DEADLINES)
    for pair in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = pair.partition("=")
        if not sep:
            raise BadDeadlines(f"{pair!r}: expected urgency=minutes")
        try:
            urgency = Urgency(name.strip())
        except ValueError:
            raise BadDeadlines(f"{pair!r}: unknown urgency {name.strip()!r} (urgent, high, "
                               "normal)") from None
        try:
            minutes = int(value)
        except ValueError:
            raise BadDeadlines(f"{pair!r}: {value.strip()!r} is not a whole number of "
                               "minutes") from None
        if minutes < 1:
            raise BadDeadlines(f"{pair!r}: a deadline is at least 1 minute")
        deadlines[urgency] = minutes
    order = [deadlines[u] for u in (Urgency.URGENT, Urgency.HIGH, Urgency.NORMAL)]
    if order != sorted(order):
        raise BadDeadlines("a more urgent request may not get a longer deadline than a less "
                           f"urgent one (urgent={order[0]}, high={order[1]}, normal={order[2]})")
    return deadlines


def deadline(received_at: datetime, urgency: str, deadlines: Mapping[str, int]) -> datetime:
    """When someone must have started on the request (minutes after it was received)."""
    return received_at + timedelta(minutes=deadlines[Urgency(urgency)])


def is_overdue(deadline_at: datetime, now: datetime, *, open_: bool) -> bool:
    return open_ and now > deadline_at


# --- statuses --------------------------------------------------------------------------------


class Status(StrEnum):
    RECEIVED = "received"
    TRIAGED = "triaged"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    DELIVERED = "delivered"
    CLOSED = "closed"


STEPS = (Status.RECEIVED, Status.TRIAGED, Status.ASSIGNED, Status.IN_PROGRESS, Status.DELIVERED)
FINAL = frozenset({Status.DELIVERED, Status.CLOSED})
# The response counts as started (the deadline is met) once someone has taken the request on.
RESPONDED = frozenset({Status.ASSIGNED, Status.IN_PROGRESS, Status.DELIVERED, Status.CLOSED})
TIME_FIELD = {Status.RECEIVED: "received_at", Status.TRIAGED: "triaged_at",
              Status.ASSIGNED: "assigned_at", Status.IN_PROGRESS: "started_at",
              Status.DELIVERED: "delivered_at", Status.CLOSED: "closed_at"}


def next_steps(status: str) -> tuple[Status, ...]:
    """What may follow: the next step of STEPS, or closing (with a reason) from any open
    status. Nothing follows delivered or closed."""
    status = Status(status)
    if status in FINAL:
        return ()
    return (STEPS[STEPS.index(status) + 1], Status.CLOSED)


def check_step(current: str, wanted: str, *, has_team: bool = False,
               reason: str = "") -> Reason | None:
    """None if `wanted` may follow `current`, else why not."""
    current, wanted = Status(current), Status(wanted)
    if current in FINAL:
        return Reason("already_final", {"status": current.value})
    if wanted == current:
        return Reason("same_status", {"status": current.value})
    if wanted not in next_steps(current):
        if wanted in STEPS and STEPS.index(wanted) < STEPS.index(current):
            return Reason("backwards", {"status": current.value, "wanted": wanted.value})
        return Reason("skipped", {"status": current.value, "wanted": wanted.value,
                                  "next": STEPS[STEPS.index(current) + 1].value})
    if wanted == Status.ASSIGNED and not has_team:
        return Reason("no_team")
    if wanted == Status.CLOSED and not reason.strip():
        return Reason("close_without_reason")
    return None


def queue_key(rank: int, deadline_at: datetime, now: datetime, pk: int) -> tuple:
    """The queue's order in Python (the database orders the same way): overdue urgent first,
    then by urgency, then by deadline, then by number."""
    overdue_urgent = rank == Rank.URGENT and now > deadline_at
    return (0 if overdue_urgent else 1, rank, deadline_at, pk)


# --- stranded travellers ---------------------------------------------------------------------


@dataclass(frozen=True)
class LeaveRule:
    """What the protocol preset says of leaving, for the grade where the traveller stays:
    grading.measures[grade].may_leave_area and .negative_test_hours_to_leave_city."""

    grade: str | None
    may_leave_area: bool
    negative_test_hours: int


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reasons: tuple[Reason, ...]  # the refusals; empty when eligible
    valid_until: datetime | None = None  # when the negative test stops counting, if one is needed


def eligibility(rule: LeaveRule, *, results: Sequence[tuple[datetime, str]],
                in_quarantine: bool, now: datetime) -> Eligibility:
    """May the traveller leave now? Each refusal with its reason, all of them at once (a
    traveller told one reason at a time comes back three times).

    - Staying in an area whose grade forbids leaving (high, medium): refused.
    - Under quarantine today (a close contact's stay): refused.
    - A positive result newer than the last negative: refused, whatever the window.
    - The grade asks for a negative test within N hours: the newest negative must have been
      sampled at most N hours ago (invalid results do not count)."""
    reasons: list[Reason] = []
    if not rule.may_leave_area:
        reasons.append(Reason("area_closed", {"grade": rule.grade or ""}))
    if in_quarantine:
        reasons.append(Reason("in_quarantine"))
    dated = sorted(((at, outcome) for at, outcome in results if at <= now),
                   key=lambda r: r[0], reverse=True)
    negative = next((at for at, outcome in dated if outcome == "negative"), None)
    positive = next((at for at, outcome in dated if outcome == "positive"), None)
    if positive is not None and (negative is None or positive >= negative):
        reasons.append(Reason("positive", {"sampled_at": positive}))
    valid_until = None
    if rule.negative_test_hours > 0 and not (positive is not None and (
            negative is None or positive >= negative)):
        window = timedelta(hours=rule.negative_test_hours)
        if negative is None:
            reasons.append(Reason("no_negative_test", {"hours": rule.negative_test_hours}))
        elif now - negative > window:
            reasons.append(Reason("negative_too_old", {"hours": rule.negative_test_hours,
                                                       "sampled_at": negative}))
        else:
            valid_until = negative + window
    return Eligibility(not reasons, tuple(reasons), valid_until)
