"""Per-person epidemic state: one numpy array per attribute, indexed by person.

Days are integers from the scenario start (day 0); NEVER marks "not (yet)". Seeds may carry
negative infection days: they were infected before the scenario starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from outbreakhq.simulate.pathogen import Pathogen

NEVER = 1 << 30

# Settings of an infection, beyond the mixing settings of response.SETTINGS.
SEED, INBOUND = 5, 6
INFECTION_SETTINGS = ("household", "compound", "place", "community", "travel", "seed", "inbound")


def _never(n: int) -> np.ndarray:
    return np.full(n, NEVER, dtype=np.int32)


@dataclass
class State:
    n: int
    inf_day: np.ndarray = field(init=False)
    infector: np.ndarray = field(init=False)
    setting: np.ndarray = field(init=False)
    rel_inf: np.ndarray = field(init=False)
    onset: np.ndarray = field(init=False)
    severity: np.ndarray = field(init=False)
    present_day: np.ndarray = field(init=False)
    isolated_from: np.ndarray = field(init=False)
    quar_rule: np.ndarray = field(init=False)
    quar_start: np.ndarray = field(init=False)
    pending_day: np.ndarray = field(init=False)
    pending_route: np.ndarray = field(init=False)
    pending_sample: np.ndarray = field(init=False)
    case_id: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n = self.n
        self.inf_day = _never(n)
        self.infector = np.full(n, -1, dtype=np.int32)
        self.setting = np.full(n, -1, dtype=np.int8)
        self.rel_inf = np.zeros(n, dtype=np.float32)
        self.onset = _never(n)
        self.severity = np.full(n, -1, dtype=np.int8)
        self.present_day = _never(n)
        self.isolated_from = _never(n)
        self.quar_rule = np.zeros(n, dtype=np.int8)  # 0 none, then tracing.RULES order + 1
        self.quar_start = _never(n)
        self.pending_day = _never(n)
        self.pending_route = np.full(n, -1, dtype=np.int8)
        self.pending_sample = _never(n)
        self.case_id = np.full(n, -1, dtype=np.int32)

    def infect(self, rng: np.random.Generator, *, people: np.ndarray, day: np.ndarray | int,
               infector: np.ndarray | int, setting: np.ndarray | int, pathogen: Pathogen,
               ages: np.ndarray, presentation: float, presentation_delay_mean: float) -> None:
        """Record infections and draw each one's course: symptoms, onset, severity, clinic visit.

        Drawing the whole course at infection keeps the daily loop free of per-person draws.
        """
        size = people.size
        self.inf_day[people] = day
        self.infector[people] = infector
        self.setting[people] = setting
        symptomatic = rng.random(size) >= pathogen.asymptomatic_share
        self.rel_inf[people] = np.where(symptomatic, 1.0,
                                        pathogen.asymptomatic_relative_infectiousness)
        onset = self.inf_day[people] + pathogen.draw_incubation_days(rng, size=size)
        self.onset[people] = np.where(symptomatic, onset, NEVER)
        severity = pathogen.draw_severity(rng, ages=ages[people])
        self.severity[people] = np.where(symptomatic, severity, -1)
        # Severe illness always reaches a clinic; others with probability `presentation`,
        # after a geometric delay (mean `presentation_delay_mean` days).
        presents = symptomatic & ((severity >= 2) | (rng.random(size) < presentation))
        delay = rng.geometric(1.0 / (1.0 + presentation_delay_mean), size=size) - 1
        self.present_day[people] = np.where(presents, onset + delay, NEVER)

    def infectious(self, *, day: int, max_days: int) -> np.ndarray:
        """People who can transmit today (infected 1..max_days days ago, not isolated)."""
        since = day - self.inf_day
        return np.flatnonzero((since >= 1) & (since <= max_days) & (self.isolated_from > day))

    def pcr_positive(self, rng: np.random.Generator, *, people: np.ndarray, day: int,
                     pathogen: Pathogen) -> np.ndarray:
        since = day - self.inf_day[people]
        detectable = (since >= pathogen.pcr_positive_from_day) & (
            since <= pathogen.pcr_positive_until_day)
        return detectable & (rng.random(people.size) < pathogen.pcr_sensitivity)

    def report_later(self, *, people: np.ndarray, report_day: int, sample_day: int, route: int
                     ) -> None:
        """Queue a positive result; the earliest pending result of a person wins."""
        people = people[(self.case_id[people] < 0) & (self.pending_day[people] > report_day)]
        self.pending_day[people] = report_day
        self.pending_route[people] = route
        self.pending_sample[people] = sample_day
