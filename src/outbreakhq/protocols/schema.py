"""The typed shape of a protocol preset: one pydantic model that every preset must fill in full.

No field has a default: a preset states every rule it runs, so a missing value is an error in the
file rather than a number quietly borrowed from another country's protocol. Cross-field checks live
in `Protocol.check_consistency`, which names the dotted keys involved so that a deployment
override that breaks the rules is refused with a message a duty officer can act on.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Day = int  # day 1 is the first day of quarantine (or of follow-up when there is no quarantine)
HOUSEHOLD = "household"


class Rules(BaseModel):
    """Base of every section: unknown keys are typos, and rules do not change once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalText(Rules):
    """A short text shown to people, in the two shipped languages."""

    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)


class Meta(Rules):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: LocalText
    source: str = Field(min_length=1)
    issued: str = Field(pattern=r"^\d{4}(-\d{2}){0,2}$")
    pathogen: str = Field(min_length=1)


class Downgrade(Rules):
    """How an area leaves one grade for the next lower one."""

    to: str
    reading: Literal["annex", "press_summary"]
    case_free_days: int = Field(ge=1)
    case_free_days_press_summary: int = Field(ge=1)
    negative_round_on_last_day: bool
    case_free_days_after_higher: int = Field(ge=0)

    @property
    def days_in_force(self) -> int:
        """Case-free days under the reading the deployment chose (annex or press summary)."""
        return self.case_free_days if self.reading == "annex" else self.case_free_days_press_summary

    def days_required(self, *, came_from_higher: bool) -> int:
        """Case-free days before the next step; shorter for an area already stepped down."""
        if came_from_higher and self.case_free_days_after_higher:
            return self.case_free_days_after_higher
        return self.days_in_force


class Measure(Rules):
    """What a grade means on the ground, and which rule applies to people who were there."""

    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)
    residents_stay_home: bool
    may_leave_area: bool
    negative_test_hours_to_leave_city: int = Field(ge=0)
    visitor_rule: str
    # Days between two tests of the people of a key place in an area of this grade (1: daily,
    # 0: no routine testing); the places list shows each place's compliance with it.
    test_every_days: int = Field(ge=0)


class Grading(Rules):
    enabled: bool
    unit: Literal["compound", "community", "county"]
    grades: tuple[str, ...] = Field(min_length=2)
    grade_on_case_resident: str
    grade_on_case_stay: str
    # A case's visit to a place in its infectious period is a stay (zones/warnings.py) when it
    # lasted at least this many hours (a visit over several days always is).
    stay_min_hours: int = Field(ge=0)
    extend_on_new_infection: bool
    # The day an imported (historical) case is an infection in its area: its report date, or
    # its onset date when it has one (zones/feed.py).
    imported_case_day: Literal["report", "onset"] = "report"
    downgrade: dict[str, Downgrade]
    lowest_grade_scope: Literal["county", "city", "none"]
    county_routine_when_clear: bool
    buffer_ring: bool
    buffer_ring_grade: str
    measures: dict[str, Measure]


class PersonRule(Rules):
    """Quarantine, monitoring and testing for one category of person."""

    quarantine_days: int = Field(ge=0)
    setting: Literal["centralised", "home", "none"]
    home_monitoring_days: int = Field(ge=0)
    test_days: tuple[Day, ...]
    followup_days: int = Field(ge=0)
    daily_symptom_check: bool
    tests_required: int = Field(ge=0)
    tests_within_days: int = Field(ge=0)

    @property
    def stay_days(self) -> int:
        """Days from the first day of quarantine to the last day of home monitoring."""
        return self.quarantine_days + self.home_monitoring_days


class People(Rules):
    close_contact: PersonRule
    secondary_contact: PersonRule
    inbound_traveller: PersonRule
    high_risk_area_visitor: PersonRule
    medium_risk_area_visitor: PersonRule
    low_risk_area_visitor: PersonRule


class Tracing(Rules):
    lookback_days_before_onset: int = Field(ge=0)
    asymptomatic_anchor: Literal["sampling_date", "first_positive_result"]
    trace_contacts_of_contacts: bool
    area_visit_lookback_days: int = Field(ge=0)


class PoolSizes(Rules):
    """Default swabs per tube by population class; 1 is individual testing."""

    quarantine: int = Field(ge=1)
    priority_groups: int = Field(ge=1)
    sealed_compound: int | Literal["household"]
    other_areas: int = Field(ge=1)


class Turnaround(Rules):
    collection_to_receipt: int = Field(ge=1)
    receipt_to_result: int = Field(ge=1)
    result_to_report: int = Field(ge=1)


class Screening(Rules):
    validated_pool_sizes: tuple[int, ...] = Field(min_length=1)
    max_pool_size: int = Field(ge=1)
    lab_repooling_allowed: bool
    pool_size: PoolSizes
    rounds_per_day_risk_populations: int = Field(ge=0)
    positive_pool_action: Literal["isolate_in_place_and_retest_individually", "retest_individually"]
    turnaround_hours: Turnaround
    # Results the lab reports (releases) as it records them; the others wait for a
    # technician's release on the lab bench (a second look before telling people).
    report_at_once: tuple[Literal["negative", "positive", "invalid"], ...]


class Alerts(Rules):
    positivity_rise_factor: float = Field(gt=1.0)
    positivity_window_days: int = Field(ge=1)
    positivity_min_samples: int = Field(ge=1)
    sample_overdue_hours: int = Field(ge=1)
    unlinked_cases_per_day: int = Field(ge=1)
    # Positivity rising over rounds (zones/warnings.py): the last `rising_rounds` closed rounds
    # of an area strictly rising, the last at least `rising_min_positivity` (share of tubes).
    rising_rounds: int = Field(ge=2)
    rising_min_positivity: float = Field(gt=0.0, le=1.0)


class StaffTesting(Rules):
    """Days between two tests of a closed-loop staff cohort member, by cohort kind (1: daily)."""

    quarantine_site: int = Field(ge=1)
    lab: int = Field(ge=1)
    transport: int = Field(ge=1)
    risk_area: int = Field(ge=1)


class Quarantine(Rules):
    """Quarantine sites' rules that are not one person's schedule."""

    # When the deployment switches preset, do stays already running take the new preset's last
    # day and test days from the switch date (the twenty measures did), or finish as they began?
    running_stays_follow_switch: bool
    staff_test_every_days: StaffTesting


STAFF_COHORT_KINDS = tuple(StaffTesting.model_fields)


class Protocol(Rules):
    """Every public-health rule a deployment runs, as one frozen object."""

    meta: Meta
    grading: Grading
    people: People
    tracing: Tracing
    screening: Screening
    alerts: Alerts
    quarantine: Quarantine

    @model_validator(mode="after")
    def check_consistency(self) -> Protocol:
        """Refuse rules that contradict each other; one problem per line, `key: reason`."""
        problems = [*_grading_problems(self.grading), *_people_problems(self.people)]
        problems += _screening_problems(self.screening)
        if self.alerts.sample_overdue_hours < self.screening.turnaround_hours.collection_to_receipt:
            problems.append(
                "alerts.sample_overdue_hours: must be at least "
                "screening.turnaround_hours.collection_to_receipt, or every sample is overdue"
            )
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def rule_for(self, category: str) -> PersonRule:
        """The person rule by category name, e.g. the `visitor_rule` of a grade's measures."""
        return getattr(self.people, category)


PERSON_CATEGORIES = tuple(People.model_fields)


def _grading_problems(g: Grading) -> list[str]:
    problems: list[str] = []
    grades = list(g.grades)
    if len(set(grades)) != len(grades):
        problems.append("grading.grades: a grade is listed twice")
    for key in ("grade_on_case_resident", "grade_on_case_stay", "buffer_ring_grade"):
        if getattr(g, key) not in grades:
            problems.append(f"grading.{key}: {getattr(g, key)!r} is not one of grading.grades")
    if not problems and grades.index(g.grade_on_case_stay) < grades.index(g.grade_on_case_resident):
        problems.append(
            "grading.grade_on_case_stay: must not be higher than grading.grade_on_case_resident"
        )
    for grade, rule in g.downgrade.items():
        key = f"grading.downgrade.{grade}"
        if grade not in grades:
            problems.append(f"{key}: {grade!r} is not one of grading.grades")
        elif rule.to not in grades:
            problems.append(f"{key}.to: {rule.to!r} is not one of grading.grades")
        elif grades.index(rule.to) != grades.index(grade) + 1:
            problems.append(f"{key}.to: must be the next lower grade after {grade!r}")
    for grade in grades[:-1]:
        if grade not in g.downgrade:
            problems.append(f"grading.downgrade: no rule for leaving grade {grade!r}")
    if set(g.measures) != set(grades):
        problems.append("grading.measures: needs exactly one entry per grade in grading.grades")
    for grade, measure in g.measures.items():
        if measure.visitor_rule not in PERSON_CATEGORIES:
            problems.append(
                f"grading.measures.{grade}.visitor_rule: {measure.visitor_rule!r} is not one of "
                f"{', '.join(PERSON_CATEGORIES)}"
            )
    return problems


def _people_problems(people: People) -> list[str]:
    problems: list[str] = []
    for category in PERSON_CATEGORIES:
        rule: PersonRule = getattr(people, category)
        key = f"people.{category}"
        if (rule.setting == "none") != (rule.quarantine_days == 0):
            problems.append(f"{key}.setting: 'none' exactly when {key}.quarantine_days is 0")
        if list(rule.test_days) != sorted(set(rule.test_days)):
            problems.append(f"{key}.test_days: must be increasing, without repeats")
        outside = [day for day in rule.test_days if not 1 <= day <= rule.stay_days]
        if outside:
            problems.append(
                f"{key}.test_days: day {outside[0]} is outside the stay of {rule.stay_days} days "
                f"({key}.quarantine_days + {key}.home_monitoring_days)"
            )
        if rule.followup_days < rule.stay_days:
            problems.append(
                f"{key}.followup_days: {rule.followup_days} is shorter than {key}.quarantine_days"
                f" + {key}.home_monitoring_days ({rule.stay_days}); change them together"
            )
        if (rule.tests_required == 0) != (rule.tests_within_days == 0):
            problems.append(f"{key}.tests_required: set together with {key}.tests_within_days")
        if rule.tests_within_days and rule.tests_required > rule.tests_within_days:
            problems.append(f"{key}.tests_required: more tests than days in tests_within_days")
    return problems


def _screening_problems(s: Screening) -> list[str]:
    problems: list[str] = []
    if list(s.validated_pool_sizes) != sorted(set(s.validated_pool_sizes)):
        problems.append("screening.validated_pool_sizes: must be increasing, without repeats")
    if s.validated_pool_sizes[-1] > s.max_pool_size:
        problems.append("screening.validated_pool_sizes: larger than screening.max_pool_size")
    allowed = {1, *s.validated_pool_sizes}
    for population, size in s.pool_size.model_dump().items():
        if size == HOUSEHOLD:
            continue
        key = f"screening.pool_size.{population}"
        if size not in allowed:
            problems.append(
                f"{key}: {size} is not 1 or one of screening.validated_pool_sizes "
                f"{list(s.validated_pool_sizes)}"
            )
        elif size > s.max_pool_size:
            problems.append(f"{key}: {size} is larger than screening.max_pool_size")
    return problems
