"""The day loop: transmission, then detection, reports, grading, tracing and support.

`simulate(config)` is the one entry point; it returns an `output.Scenario`. The seed is split
into independent streams (territory, transmission, response, support) so that a run with the
response switched off has the same territory and seed infections as one with it on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np

from outbreakhq import protocols
from outbreakhq.simulate import output
from outbreakhq.simulate import pathogen as pathogens
from outbreakhq.simulate.detection import MEMBER_DAYS, ROUTE, Lab
from outbreakhq.simulate.key_groups import KEY_GROUP_BIT
from outbreakhq.simulate.output_build import build
from outbreakhq.simulate.records import Columns
from outbreakhq.simulate.response import CENTRALISED, HOME, MEASURE_KINDS, Grading, ResponseParams
from outbreakhq.simulate.state import INBOUND, NEVER, SEED, State
from outbreakhq.simulate.support import Support
from outbreakhq.simulate.territory import Territory, generate
from outbreakhq.simulate.tracer import CLOSE, INBOUND_RULE, Tracer
from outbreakhq.simulate.transmission import Transmission, TransmissionParams

# Key groups tested as risk populations (one round a day once the outbreak is declared).
PRIORITY_GROUPS = ("health_worker", "nursing_home_resident", "nursing_home_staff",
                   "construction_worker", "market_vendor", "quarantine_staff")
PRIORITY_MASK = sum(KEY_GROUP_BIT[g] for g in PRIORITY_GROUPS)
SEALED, CONTROLLED = MEASURE_KINDS.index("sealed"), MEASURE_KINDS.index("controlled")


@dataclass(frozen=True)
class Config:
    population: int
    days: int
    seed: int
    r0: float = 2.5
    protocol: str = "cn-9th-edition"
    protocol_overrides: str = ""
    respond: bool = True
    pathogen: str = "omicron-ba5"
    start_date: date = date(2022, 8, 1)
    transmission: TransmissionParams | None = None
    assumptions: dict[str, object] = field(default_factory=dict)  # ResponseParams overrides


def response_params(config: Config) -> ResponseParams:
    protocol = protocols.load(config.protocol, config.protocol_overrides or None)
    return ResponseParams.from_protocol(protocol, **config.assumptions)


class Engine:
    def __init__(self, config: Config, *, territory: Territory | None = None) -> None:
        self.config = config
        streams = np.random.SeedSequence(config.seed).spawn(4)
        self.territory = territory or generate(population=config.population, seed=streams[0],
                                               start_date=config.start_date)
        self.rng_tx, self.rng_resp, self.rng_sup = (np.random.default_rng(s) for s in streams[1:])
        self.pathogen = pathogens.load(config.pathogen)
        # Config.r0 is the one R0: a TransmissionParams given for its shares or seeds takes it.
        tx = replace(config.transmission or TransmissionParams(), r0=config.r0)
        self.tx_params = tx
        self.state = State(self.territory.population)
        self.transmission = Transmission(territory=self.territory, pathogen=self.pathogen,
                                         params=tx)
        self.params = response_params(config)
        self.grading = Grading(params=self.params, territory=self.territory)
        self.lab = Lab(territory=self.territory, pathogen=self.pathogen, params=self.params,
                       state=self.state)
        self.lab.members_from = config.days - MEMBER_DAYS
        self.tracer = Tracer(territory=self.territory, params=self.params, state=self.state)
        self.support = Support(territory=self.territory, params=self.params, rng=self.rng_sup)
        self.cases = Columns(case=np.int32, person=np.int32, sample_day=np.int32,
                             report_day=np.int32, route=np.int8, under_control=np.bool_)
        self.daily = Columns(day=np.int32, new_infections=np.int32, new_cases=np.int32,
                             cases_under_control=np.int32, in_centralised_quarantine=np.int32,
                             in_home_quarantine=np.int32, sealed_compounds=np.int32,
                             controlled_compounds=np.int32, active_counties=np.int32,
                             tubes=np.int32, positive_tubes=np.int32, swabs=np.int32)
        self.alerted = False  # has the response found a case outside quarantine yet?
        self.ones = np.ones((self.territory.population, 5), dtype=np.float32)

    def _infect(self, people: np.ndarray, *, day: np.ndarray | int, infector: np.ndarray | int,
                setting: np.ndarray | int) -> None:
        respond = self.config.respond
        self.state.infect(self.rng_tx, people=people, day=day, infector=infector,
                          setting=setting, pathogen=self.pathogen, ages=self.territory.age,
                          presentation=self.params.clinic_presentation if respond else 0.0,
                          presentation_delay_mean=self.params.clinic_delay_mean_days)

    def seed_infections(self) -> None:
        """Seed infections in one township, infected over the days before the start."""
        t, rng = self.territory, self.rng_tx
        township = rng.integers(0, int(t.compound_township.max()) + 1)
        residents = np.flatnonzero(t.person_township == township)
        # Seeds are not in routinely tested key groups: outbreaks start where no one is looking.
        residents = residents[(t.key_groups[residents] & PRIORITY_MASK) == 0]
        seeds = rng.choice(residents, size=min(self.tx_params.seeds, residents.size),
                           replace=False)
        seeds.sort()
        days = -rng.integers(0, self.tx_params.seed_window_days, size=seeds.size)
        self._infect(seeds, day=days, infector=-1, setting=SEED)

    def inbound(self, *, day: int) -> None:
        """Travellers arriving infected; the protocol quarantines them on arrival."""
        rng, state = self.rng_tx, self.state
        arriving = np.unique(rng.integers(0, state.n, size=rng.poisson(
            self.params.inbound_per_day)))
        arriving = arriving[state.inf_day[arriving] == NEVER]
        if arriving.size == 0:
            return
        self._infect(arriving, day=day - rng.integers(1, 4, size=arriving.size), infector=-1,
                     setting=INBOUND)
        if self.config.respond:
            self.tracer.quarantine(people=arriving, rule_value=INBOUND_RULE, start=day)

    def mixing(self, *, quarantined: np.ndarray, kind: np.ndarray) -> np.ndarray:
        if not self.config.respond:
            return self.ones
        mix = self.grading.compound_mixing()[self.territory.person_compound]
        mix[quarantined[kind == CENTRALISED]] = 0.0
        mix[quarantined[kind == HOME], 1:] = 0.0
        return mix

    def screen(self, *, day: int, quarantine: tuple[np.ndarray, ...], measure: np.ndarray
               ) -> None:
        """Today's collections, highest priority first; a person gives one swab a day."""
        t, state, p, rng = self.territory, self.state, self.params, self.rng_resp
        free = (state.case_id < 0) & (state.isolated_from > day) & (state.pending_day == NEVER)
        people, kind, stay_day, rule = quarantine
        due = self.tracer.test_day[rule, np.clip(stay_day, 0, self.tracer.test_day.shape[1] - 1)]
        chosen = due & free[people]  # people come sorted from np.flatnonzero
        tested, rule, stay_day = people[chosen], rule[chosen], stay_day[chosen]
        route = np.where(rule == INBOUND_RULE - 1, ROUTE["inbound"],
                         np.where((rule == CLOSE - 1) & (stay_day == 1), ROUTE["contact_tracing"],
                                  ROUTE["quarantine_testing"]))
        self.lab.collect(rng, day=day, people=tested, pool=p.pool_quarantine,
                         population="quarantine", route=route)
        free[tested] = False
        if not p.mass_screening:
            return
        turnout = rng.random(state.n) < p.participation
        person_measure = measure[t.person_compound]
        for kind_code, pool in ((SEALED, p.pool_sealed), (CONTROLLED, p.pool_other)):
            group = np.flatnonzero(free & turnout & (person_measure == kind_code))
            self.lab.collect(rng, day=day, people=group, pool=pool,
                             population="controlled_population",
                             route=ROUTE["controlled_population_screening"])
            free[group] = False
        started = self.support.county_active_from
        if self.alerted or day % p.routine_priority_interval_days == 0:
            group = np.flatnonzero(free & ((t.key_groups & PRIORITY_MASK) > 0))
            self.lab.collect(rng, day=day, people=group, pool=p.pool_priority,
                             population="priority_group", route=ROUTE["community_screening"])
            free[group] = False
        active = self.grading.active_counties()
        round_today = active & ((day - started - 1) % p.mass_round_interval_days == 0)
        if round_today.any():
            group = np.flatnonzero(free & turnout & round_today[t.person_county])
            self.lab.collect(rng, day=day, people=group, pool=p.pool_other,
                             population="community", route=ROUTE["community_screening"])

    def report(self, *, day: int, measure: np.ndarray) -> tuple[np.ndarray, int]:
        """Positive results due today become cases: isolated, graded, investigated."""
        t, state = self.territory, self.state
        new = np.flatnonzero((state.pending_day == day) & (state.case_id < 0))
        if new.size == 0:
            return new, 0
        state.case_id[new] = self.cases.rows + np.arange(new.size, dtype=np.int32)
        in_stay = (state.quar_rule[new] > 0) & (state.quar_start[new] <= day)
        under = in_stay | np.isin(measure[t.person_compound[new]], (SEALED, CONTROLLED))
        self.cases.append(case=state.case_id[new], person=new, sample_day=state.pending_sample[new],
                          report_day=day, route=state.pending_route[new], under_control=under)
        state.isolated_from[new] = np.minimum(state.isolated_from[new], day)
        p = self.params
        # A case found in centralised quarantine exposed no one at home: no area is graded.
        # One in home quarantine lives at home: their compound is graded, their workplace not.
        rule = np.maximum(state.quar_rule[new].astype(np.int64) - 1, 0)
        central = in_stay & (self.tracer.setting[rule] == CENTRALISED)
        self.grading.designate_ring(day=day, compounds=t.person_compound[new[~central]])
        self.grading.designate(day=day, compounds=t.person_compound[new[~central]],
                               grade=p.grade_on_resident)
        free = new[~in_stay]
        self.alerted = self.alerted or free.size > 0
        worked = free[t.place_group[free] >= 0]
        place = t.group_place[t.place_group[worked]]
        self.grading.designate(day=day, compounds=t.place_compound[place], grade=p.grade_on_stay)
        self.tracer.investigate(self.rng_resp, day=day, cases=new)
        state.quar_rule[new] = 0  # a case leaves quarantine for isolation
        return new, int(under.sum())

    def step(self, *, day: int) -> None:
        state = self.state
        quarantine = self.tracer.status(day=day)
        people, kind = quarantine[0], quarantine[1]
        mixing = self.mixing(quarantined=people, kind=kind)
        new, infector, setting = self.transmission.step(self.rng_tx, day=day, state=state,
                                                        mixing=mixing)
        self._infect(new, day=day, infector=infector, setting=setting)
        self.inbound(day=day)
        lab_before, cases, under = self.lab.totals.copy(), np.zeros(0, dtype=np.int64), 0
        if self.config.respond:
            measure = self.grading.compound_measure()
            self.lab.clinic(self.rng_resp, day=day, alerted=self.alerted)
            self.screen(day=day, quarantine=quarantine, measure=measure)
            cases, under = self.report(day=day, measure=measure)
            self.grading.step_down(day=day)
            measure = self.grading.compound_measure()
            self.support.day(self.rng_sup, day=day, sealed_compound=measure == SEALED,
                             home_quarantined=people[kind == HOME],
                             active_counties=self.grading.active_counties())
        self._summarise(day=day, new=new.size, cases=cases, under=under, kind=kind,
                        lab_before=lab_before)

    def _summarise(self, *, day: int, new: int, cases: np.ndarray, under: int,
                   kind: np.ndarray, lab_before: np.ndarray) -> None:
        measure = self.grading.compound_measure()
        tubes, positive, swabs = self.lab.totals - lab_before
        self.daily.append(
            day=day, new_infections=new, new_cases=cases.size, cases_under_control=under,
            in_centralised_quarantine=int(np.sum(kind == CENTRALISED)),
            in_home_quarantine=int(np.sum(kind == HOME)),
            sealed_compounds=int(np.sum(measure == SEALED)),
            controlled_compounds=int(np.sum(measure == CONTROLLED)),
            active_counties=int(self.grading.active_counties().sum()),
            tubes=tubes, positive_tubes=positive, swabs=swabs)

    def run(self, *, progress: Callable[[int], None] | None = None) -> output.Scenario:
        self.seed_infections()
        for day in range(self.config.days):
            self.step(day=day)
            if progress:
                progress(day)
        return build(self)


def simulate(config: Config, *, progress: Callable[[int], None] | None = None
             ) -> output.Scenario:
    """Run one scenario; the same config (seed included) gives identical tables."""
    return Engine(config).run(progress=progress)
