"""Stochastic transmission by setting, driven by the generation-interval distribution.

Every day, each infectious person i spreads infectiousness w[d - t_i] x rel_inf_i into each of
their settings (household, compound, place group, township community, region-wide travel),
where w is the daily generation-interval distribution of the pathogen. A susceptible person's
hazard is the sum over their settings of beta_s x (infectiousness in the group) / (group size - 1),
scaled by how much each of the two still mixes in that setting under the response. A person
infected today gets an infector drawn in proportion to the infectiousness they were exposed to,
so the output holds infector -> infectee pairs with days.

beta_s is calibrated so that a random person, infected in a fully susceptible population, causes
R0 x share_s infections in setting s on average, counting that a small group fills up (a case
infects m (1 - exp(-beta rel / m)) of the m others in its group). In a well-mixed run the early
growth rate is then the Euler-Lotka root of 1 = R0 sum_k w_k e^(-r k); in the structured default,
second-generation cases find their household partly infected already, so the realised R and the
growth fall a little below it (both tested in tests/simulate/test_transmission.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from outbreakhq.simulate.pathogen import Pathogen
from outbreakhq.simulate.response import SETTINGS
from outbreakhq.simulate.state import NEVER, State
from outbreakhq.simulate.territory import Territory


@dataclass(frozen=True)
class TransmissionParams:
    r0: float = 2.5
    # Share of transmission in each setting (order of response.SETTINGS). Assumption in the
    # range household-transmission studies of Omicron report (about a third at home).
    shares: tuple[float, ...] = (0.35, 0.15, 0.2, 0.25, 0.05)
    seeds: int = 10
    seed_window_days: int = 4


class Transmission:
    def __init__(self, *, territory: Territory, pathogen: Pathogen, params: TransmissionParams
                 ) -> None:
        if len(params.shares) != len(SETTINGS) or abs(sum(params.shares) - 1) > 1e-9:
            raise ValueError(f"shares must be {len(SETTINGS)} numbers summing to 1")
        n = territory.population
        self.groups = [territory.person_hh, territory.person_compound, territory.place_group,
                       territory.person_township, np.zeros(n, dtype=np.int32)]
        self.norm = []
        self.beta = np.zeros(len(SETTINGS))
        for s, group in enumerate(self.groups):
            size = np.bincount(group[group >= 0])
            self.norm.append(np.maximum(size - 1, 1).astype(np.float64))
            others = size[group[group >= 0]] - 1
            self.beta[s] = calibrate_beta(target=params.r0 * params.shares[s], others=others,
                                          population=n, pathogen=pathogen, setting=SETTINGS[s])
        self.w = pathogen.generation_pmf
        self.max_days = self.w.size - 1

    def step(self, rng: np.random.Generator, *, day: int, state: State, mixing: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Infections of day `day`: (infectees, infectors, setting index), infectees sorted.

        `mixing` is (people, settings): the share of normal contact each person keeps today."""
        active = state.infectious(day=day, max_days=self.max_days)
        empty = np.zeros(0, dtype=np.int32)
        if active.size == 0:
            return empty, empty, empty.astype(np.int8)
        strength = self.w[day - state.inf_day[active]] * state.rel_inf[active]
        hazard = np.zeros((len(SETTINGS), state.n), dtype=np.float32)
        for s, group in enumerate(self.groups):
            if self.beta[s] == 0:
                continue
            g, weight = group[active], strength * mixing[active, s]
            keep = g >= 0
            pressure = np.bincount(g[keep], weights=weight[keep], minlength=self.norm[s].size)
            # Index -1 (no group) reads the appended 0.
            rate = np.append(self.beta[s] * pressure / self.norm[s], 0.0)
            hazard[s] = rate[group] * mixing[:, s]
        total = hazard.sum(axis=0)
        susceptible = state.inf_day == NEVER
        new = np.flatnonzero(susceptible & (rng.random(state.n) < -np.expm1(-total)))
        if new.size == 0:
            return empty, empty, empty.astype(np.int8)
        setting = self._pick_setting(rng, hazard[:, new])
        infector = np.empty(new.size, dtype=np.int32)
        for s, group in enumerate(self.groups):
            chosen = setting == s
            if chosen.any():
                infector[chosen] = _pick_infectors(
                    rng, sources=active, source_group=group[active],
                    weight=strength * mixing[active, s], target_group=group[new[chosen]])
        return new.astype(np.int32), infector, setting

    @staticmethod
    def _pick_setting(rng: np.random.Generator, hazard: np.ndarray) -> np.ndarray:
        cumulative = np.cumsum(hazard, axis=0)
        u = rng.random(hazard.shape[1]) * cumulative[-1]
        return np.minimum((cumulative < u).sum(axis=0), len(SETTINGS) - 1).astype(np.int8)


def expected_infections(beta: float, *, others: np.ndarray, counts: np.ndarray,
                        population: int, pathogen: Pathogen) -> float:
    """Mean infections a random person causes in one setting, everyone else susceptible.

    A case meets the m others of its group with hazard beta x rel_inf / m in total over its
    infection, so it infects m (1 - exp(-beta x rel_inf / m)) of them: a small group fills up,
    a large one gives beta x rel_inf."""
    a, rel = pathogen.asymptomatic_share, pathogen.asymptomatic_relative_infectiousness
    m = others.astype(np.float64)
    per_size = (1 - a) * -np.expm1(-beta / m) + a * -np.expm1(-beta * rel / m)
    return float(np.sum(counts * m * per_size) / population)


def calibrate_beta(*, target: float, others: np.ndarray, population: int, pathogen: Pathogen,
                   setting: str) -> float:
    """The beta at which a random person, infected, causes `target` infections in this setting."""
    others = others[others >= 1]
    if target <= 0 or others.size == 0:
        return 0.0
    sizes, counts = np.unique(others, return_counts=True)
    ceiling = float(np.sum(counts * sizes) / population)
    # A case cannot infect more people than its groups hold: R0 x share must stay below that.
    if target >= 0.98 * ceiling:
        raise ValueError(f"R0 too high for the {setting} share: a case would have to infect "
                         f"{target:.2f} people there on average (its groups hold "
                         f"{ceiling:.2f}); lower R0 or that setting's share")

    def gap(beta: float) -> float:
        return expected_infections(beta, others=sizes, counts=counts, population=population,
                                   pathogen=pathogen) - target

    upper = 1.0
    while gap(upper) < 0:
        upper *= 2
    return float(brentq(gap, 0.0, upper))


def _pick_infectors(rng: np.random.Generator, *, sources: np.ndarray, source_group: np.ndarray,
                    weight: np.ndarray, target_group: np.ndarray) -> np.ndarray:
    """For each target, a source of the same group drawn in proportion to its weight."""
    keep = (source_group >= 0) & (weight > 0)
    sources, source_group, weight = sources[keep], source_group[keep], weight[keep]
    order = np.argsort(source_group, kind="stable")
    sorted_group, cumulative = source_group[order], np.cumsum(weight[order])
    lo = np.searchsorted(sorted_group, target_group, side="left")
    hi = np.searchsorted(sorted_group, target_group, side="right")
    base = np.where(lo > 0, cumulative[np.maximum(lo - 1, 0)], 0.0)
    top = cumulative[np.maximum(hi - 1, 0)]
    target = base + rng.random(target_group.size) * (top - base)
    pick = np.clip(np.searchsorted(cumulative, target, side="right"), lo, np.maximum(hi - 1, lo))
    return sources[order[pick]].astype(np.int32)
