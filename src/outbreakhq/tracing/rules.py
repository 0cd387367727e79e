"""The rules of case investigation and contact tracing, as pure functions: no Django, no database.

The services (tracing/services/) and the import checks (tracing/importing*.py) call the same
functions, so a rule is written once and a line list obeys what a form obeys; tests/tracing/
test_rules.py checks them without a database. They answer with facts (a date, the fields that
break a rule, allowed or not); the callers word the refusal in the user's language, with what
they know (a form names the field, an import also the row and the case's id).

Statuses and classifications are the values of tracing.models' TextChoices, which are strings,
so this module needs no model (a test checks that the two agree).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

# Contact statuses (tracing.models.ContactStatus).
FOLLOWING = "following"
QUARANTINE = "quarantine"
COMPLETED = "completed"
LOST = "lost"
CONVERTED = "converted"

# Still in the tracing team's hands: follow-up checks are recorded, and a case found among
# these contacts was found under control.
FOLLOWED = frozenset({FOLLOWING, QUARANTINE})

# The moves a contact's status may make; the services refuse every other. Only a contact under
# follow-up is handed over or completes it; a followed contact can be lost; any contact but one
# that already did can become a case (a lost or completed contact may still test positive).
TRANSITIONS: Mapping[str, frozenset[str]] = {
    FOLLOWING: frozenset({QUARANTINE, COMPLETED, LOST, CONVERTED}),
    QUARANTINE: frozenset({LOST, CONVERTED}),
    COMPLETED: frozenset({CONVERTED}),
    LOST: frozenset({CONVERTED}),
    CONVERTED: frozenset(),
}

SUSPECTED = "suspected"  # tracing.models.Classification.SUSPECTED
# What only an epidemiologist decides about a case (core/roles.py: case.propose vs case.manage).
DECIDED_BY_EPIDEMIOLOGIST = ("source_case", "cluster")

# Case dates that cannot come after the case was reported.
BEFORE_REPORT = ("onset_date", "sampling_date")


def may_become(current: str, new: str) -> bool:
    """Whether a contact of status `current` may be moved to `new`."""
    return new in TRANSITIONS.get(current, frozenset())


def is_followed(status: str) -> bool:
    return status in FOLLOWED


def proposal_refusals(values: Mapping) -> list[str]:
    """The fields a user who may only propose cases (screening, quarantine, community roles) may
    not give: anything but a suspected classification, a source link, a cluster."""
    refused = [] if values.get("classification") == SUSPECTED else ["classification"]
    return refused + [key for key in DECIDED_BY_EPIDEMIOLOGIST if values.get(key) is not None]


# Dates ------------------------------------------------------------------------------------------

def _day(value: object) -> date | None:
    """A date, or None for anything else (a blank, or a cell a reader already refused)."""
    return value if isinstance(value, date) else None


def in_future(day: object, today: date) -> bool:
    """Dates of onset, sampling, report and exposure are past or today, never later."""
    value = _day(day)
    return value is not None and value > today


def after(day: object, limit: object) -> bool:
    """`day` is a date later than the date `limit` (False when either is missing)."""
    value, bound = _day(day), _day(limit)
    return value is not None and bound is not None and value > bound


def after_report(values: Mapping, keys: tuple[str, ...] = BEFORE_REPORT) -> list[str]:
    """The fields among `keys` dated after the case's report date."""
    return [key for key in keys if after(values.get(key), values.get("report_date"))]


def outcome_before_onset(values: Mapping) -> bool:
    return after(values.get("onset_date"), values.get("outcome_date"))


def case_date_problems(values: Mapping) -> list[str]:
    """Every case date out of order: onset or sampling after the report, outcome before onset."""
    return after_report(values) + (["outcome_date"] if outcome_before_onset(values) else [])


def contact_exposed_after_report(exposed: object, report: object, contact_type: str) -> bool:
    """A contact exposed after the case was reported (and so isolated) is a typing error; health
    care staff treating the case are the exception."""
    return after(exposed, report) and contact_type != "health_care"


def infectious_from(onset: date | None, sampling: date | None, *, lookback_days: int
                    ) -> date | None:
    """First day a case could infect others: the protocol's look-back before onset, or before
    sampling for a case without symptoms; None when the case has neither date."""
    anchor = onset or sampling
    return anchor - timedelta(days=lookback_days) if anchor else None


def exposed_before_infectious(exposed: object, start: date | None) -> bool:
    """The last exposure to a case came before the case could infect anyone."""
    return after(start, exposed)


# Follow-up --------------------------------------------------------------------------------------

def followup_window(last_exposure: date, followup_days: int) -> tuple[date, date]:
    """First and last day of follow-up: the `followup_days` days after the last exposure. A
    protocol that does not follow a category says 0 days; asking for its window is an error."""
    if followup_days <= 0:
        raise ValueError("the protocol does not follow this category of contact")
    return last_exposure + timedelta(days=1), last_exposure + timedelta(days=followup_days)


def in_window(day: date, start: date, end: date) -> bool:
    return start <= day <= end


# The follow-up calendar of a contact's page ---------------------------------------------------

@dataclass(frozen=True)
class CalendarDay:
    date: date
    n: int  # day n of the window, from 1
    state: str  # a FollowUpStatus value when a check was recorded, else one of the words below
    first_closed: bool  # the first "closed" day, where the page writes the contact's status
    test: bool = False  # a test day of the preset's schedule for the contact's category


def closed_from(status: str, *, converted_report: date | None, followup_start: date
                ) -> date | None:
    """From which day no check is expected any more: none while under follow-up; from the case's
    report day for a contact who became a case; otherwise (handed over, completed, lost: no
    reliable date for the change) from the start."""
    if status == FOLLOWING:
        return None
    if status == CONVERTED and converted_report is not None:
        return converted_report
    return followup_start


def calendar(start: date, end: date, *, today: date, traced: date | None,
             closed: date | None, recorded: Mapping[date, str],
             test_dates: Collection[date] = ()) -> list[CalendarDay]:
    """One entry per day of the window. A recorded check shows its status; a day from `closed`
    on is "closed"; a day before the contact was traced is "untraced" (nobody could call), not
    missed; then "upcoming", "due" (today) or "missed". A day in `test_dates` (the preset's test
    days, `protocols.schedule.test_dates`) is marked as a test day besides the daily check."""
    tests = set(test_dates)
    days: list[CalendarDay] = []
    day, seen_closed = start, False
    while day <= end:
        if day in recorded:
            state = recorded[day]
        elif closed is not None and day >= closed:
            state = "closed"
        elif traced is not None and day < traced:
            state = "untraced"
        elif day > today:
            state = "upcoming"
        else:
            state = "due" if day == today else "missed"
        first = state == "closed" and not seen_closed
        seen_closed = seen_closed or state == "closed"
        days.append(CalendarDay(day, (day - start).days + 1, state, first, day in tests))
        day += timedelta(days=1)
    return days
