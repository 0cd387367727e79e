"""The response, as the protocol preset says it should run: parameters and risk-area grading.

`ResponseParams.from_protocol()` is the only place that reads the protocol's field names; the
rest of the simulator reads `ResponseParams`. Numbers the protocol does not fix (how many people
present at a clinic, how much a sealed compound cuts mixing, how many contacts an investigation
finds) are simulation assumptions: they have defaults here and are documented in docs/simulator.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from outbreakhq.protocols import Protocol
    from outbreakhq.simulate.territory import Territory

SETTINGS = ("household", "compound", "place", "community", "travel")
NONE, CENTRALISED, HOME = 0, 1, 2
_SETTING_CODE = {"none": NONE, "centralised": CENTRALISED, "home": HOME}

# Share of normal contact kept in each setting (order of SETTINGS) under a measure. Assumptions:
# sealed residents stay home (a little contact in the compound: deliveries, screening queues);
# controlled residents stay inside the compound; elsewhere people protect themselves and avoid
# gatherings, which halves long-distance travel and cuts community mixing by 30 %.
SEALED = (1.0, 0.1, 0.0, 0.0, 0.0)
CONTROLLED = (1.0, 0.5, 0.0, 0.0, 0.0)
PROTECTED = (1.0, 1.0, 1.0, 0.7, 0.5)
ROUTINE = (1.0, 1.0, 1.0, 1.0, 1.0)
MIXING = {"sealed": SEALED, "controlled": CONTROLLED, "protected": PROTECTED, "routine": ROUTINE}


@dataclass(frozen=True)
class QuarantineRule:
    """One category of people (close contact, contact of contact, inbound traveller)."""

    quarantine_days: int
    setting: int  # NONE, CENTRALISED or HOME
    monitoring_days: int
    test_days: tuple[int, ...]  # day 1 = first day of the stay

    @property
    def stay_days(self) -> int:
        return self.quarantine_days + self.monitoring_days

    @property
    def applies(self) -> bool:
        return self.setting != NONE and self.quarantine_days > 0


MEASURE_KINDS = ("sealed", "controlled", "protected", "routine")


@dataclass(frozen=True)
class GradeRule:
    name: str
    measure: str  # one of MEASURE_KINDS but routine
    step_down_to: int          # index of the next grade; len(grades) = back to routine
    case_free_days: int
    case_free_days_after_higher: int


@dataclass(frozen=True)
class ResponseParams:
    """Everything the response does; protocol values first, simulation assumptions after."""

    protocol: str
    grading_enabled: bool
    grading_unit: str  # compound, community or county
    grades: tuple[GradeRule, ...]
    grade_on_resident: int
    grade_on_stay: int
    lowest_grade_county_wide: bool
    close_contact: QuarantineRule
    secondary_contact: QuarantineRule
    inbound_traveller: QuarantineRule
    trace_secondary: bool
    lookback_days: int
    pool_quarantine: int
    pool_priority: int
    pool_sealed: int  # 0: one tube per household
    pool_other: int
    risk_rounds_per_day: int
    turnaround_hours: int
    extend_on_new_infection: bool
    buffer_ring_grade: int | None  # grade of the other compounds of a high area's community
    isolate_positive_pools: bool   # members of a positive pool isolated in place at once
    anchor_on_result: bool         # asymptomatic look-back from the result, not the sample
    contact_find_share: float = 0.8
    building_contact_share: float = 0.05
    clinic_presentation: float = 0.5
    clinic_delay_mean_days: float = 1.0
    pre_alert_testing: float = 0.05
    participation: float = 0.9
    mass_round_interval_days: int = 2
    routine_priority_interval_days: int = 7
    collection_hour: int = 8
    inbound_per_day: float = 0.3
    request_rates: dict[str, float] = field(default_factory=lambda: {
        "food": 0.08, "medicine": 0.03, "urgent_care": 0.004, "maternity": 0.0005,
        "dialysis": 0.0, "mental_health": 0.002})
    enabled: bool = True

    @classmethod
    def from_protocol(cls, protocol: Protocol, **assumptions: object) -> ResponseParams:
        """Read the rules the simulator runs from a loaded protocol preset."""
        g = protocol.grading
        names = list(g.grades)

        def grade(name: str) -> GradeRule:
            measure = g.measures[name]
            kind = ("sealed" if measure.residents_stay_home
                    else "controlled" if not measure.may_leave_area else "protected")
            down = g.downgrade.get(name)
            return GradeRule(
                name=name, measure=kind,
                step_down_to=names.index(down.to) if down else len(names),
                case_free_days=down.days_required(came_from_higher=False) if down else 0,
                case_free_days_after_higher=(down.days_required(came_from_higher=True)
                                             if down else 0))

        def people(category: str) -> QuarantineRule:
            rule = protocol.rule_for(category)
            return QuarantineRule(quarantine_days=rule.quarantine_days,
                                  setting=_SETTING_CODE[rule.setting],
                                  monitoring_days=rule.home_monitoring_days,
                                  test_days=tuple(int(d) for d in rule.test_days))

        pools = protocol.screening.pool_size
        tat = protocol.screening.turnaround_hours
        params = cls(
            protocol=protocol.meta.name, grading_enabled=g.enabled, grading_unit=g.unit,
            grades=tuple(grade(name) for name in names),
            grade_on_resident=names.index(g.grade_on_case_resident),
            grade_on_stay=names.index(g.grade_on_case_stay),
            lowest_grade_county_wide=g.lowest_grade_scope in ("county", "city"),
            close_contact=people("close_contact"), secondary_contact=people("secondary_contact"),
            inbound_traveller=people("inbound_traveller"),
            trace_secondary=protocol.tracing.trace_contacts_of_contacts,
            lookback_days=protocol.tracing.lookback_days_before_onset,
            pool_quarantine=pools.quarantine, pool_priority=pools.priority_groups,
            pool_sealed=0 if pools.sealed_compound == "household" else int(pools.sealed_compound),
            pool_other=pools.other_areas,
            risk_rounds_per_day=protocol.screening.rounds_per_day_risk_populations,
            turnaround_hours=tat.collection_to_receipt + tat.receipt_to_result,
            extend_on_new_infection=g.extend_on_new_infection,
            buffer_ring_grade=names.index(g.buffer_ring_grade) if g.buffer_ring else None,
            isolate_positive_pools=protocol.screening.positive_pool_action.startswith("isolate"),
            anchor_on_result=protocol.tracing.asymptomatic_anchor == "first_positive_result",
        )
        return replace(params, **assumptions) if assumptions else params

    @property
    def result_delay_days(self) -> int:
        """Days from collection to result: a sample taken at `collection_hour` on day d."""
        return (self.collection_hour + self.turnaround_hours) // 24

    @property
    def mass_screening(self) -> bool:
        return self.risk_rounds_per_day > 0


class Grading:
    """Risk grade of every grading unit (compound, community or county) day by day.

    Grades are indices into `params.grades`, 0 the highest; `len(grades)` is routine (no grade).
    """

    def __init__(self, *, params: ResponseParams, territory: Territory) -> None:
        self.params = params
        unit = params.grading_unit
        self.unit_of_compound = {
            "compound": np.arange(territory.compound_county.size, dtype=np.int32),
            "community": territory.compound_community,
            "county": territory.compound_county,
        }[unit]
        n_units = int(self.unit_of_compound.max()) + 1 if self.unit_of_compound.size else 0
        self.routine = len(params.grades)
        self.grade = np.full(n_units, self.routine, dtype=np.int8)
        self.clock = np.zeros(n_units, dtype=np.int32)  # last case, or last step down
        self.stepped_down = np.zeros(n_units, dtype=bool)
        self.compound_county = territory.compound_county
        self.compound_community = territory.compound_community
        self.n_counties = int(territory.compound_county.max()) + 1
        self.lowest = len(params.grades) - 1
        kinds = [g.measure for g in params.grades] + ["routine"]
        self.measure = np.array([MEASURE_KINDS.index(k) for k in kinds], dtype=np.int8)
        self.mixing = np.array([MIXING[k] for k in kinds], dtype=np.float32)

    def designate(self, *, day: int, compounds: np.ndarray, grade: int) -> None:
        """Raise the units holding `compounds` to `grade` (never lower them); restart clocks."""
        if not self.params.grading_enabled or compounds.size == 0:
            return
        units = np.unique(self.unit_of_compound[compounds])
        # A new infection in a unit already at this grade restarts its clock if the rules say so.
        raise_ = (self.grade[units] >= grade if self.params.extend_on_new_infection
                  else self.grade[units] > grade)
        self.stepped_down[units[self.grade[units] > grade]] = False
        self.grade[units] = np.minimum(self.grade[units], grade)
        self.clock[units[raise_]] = day

    def designate_ring(self, *, day: int, compounds: np.ndarray) -> None:
        """With a buffer ring: the other compounds of each compound's community get its grade."""
        ring = self.params.buffer_ring_grade
        if ring is None or compounds.size == 0:
            return
        communities = np.unique(self.compound_community[compounds])
        neighbours = np.flatnonzero(np.isin(self.compound_community, communities))
        self.designate(day=day, compounds=neighbours, grade=ring)

    def step_down(self, *, day: int) -> None:
        """Units that stayed case-free long enough move to the next lower grade."""
        for index, rule in enumerate(self.params.grades):
            units = np.flatnonzero(self.grade == index)
            if units.size == 0:
                continue
            needed = np.where(self.stepped_down[units], rule.case_free_days_after_higher,
                              rule.case_free_days)
            due = units[(day - self.clock[units]) >= needed]
            self.grade[due] = rule.step_down_to
            self.clock[due] = day
            self.stepped_down[due] = True

    def active_counties(self) -> np.ndarray:
        """Counties holding a unit graded above the lowest grade (bool per county)."""
        compound_grade = self.grade[self.unit_of_compound]
        hot = compound_grade < self.lowest
        return np.bincount(self.compound_county[hot], minlength=self.n_counties) > 0

    def compound_grade(self) -> np.ndarray:
        """Grade in force in each compound, counting the county-wide lowest grade."""
        grade = self.grade[self.unit_of_compound].copy()
        if not self.params.lowest_grade_county_wide:
            # Without a county-wide ring the lowest grade is routine surveillance.
            grade[grade == self.lowest] = self.routine
            return grade
        active = self.active_counties()[self.compound_county]
        grade[active & (grade >= self.lowest)] = self.lowest
        # With no higher grade left in its county, the lowest grade returns to routine.
        grade[~active & (grade == self.lowest)] = self.routine
        return grade

    def compound_measure(self) -> np.ndarray:
        """Index into MEASURE_KINDS of the measure in force in each compound."""
        return self.measure[self.compound_grade()]

    def compound_mixing(self) -> np.ndarray:
        """(compounds, settings) share of normal contact under each compound's grade."""
        return self.mixing[self.compound_grade()]
