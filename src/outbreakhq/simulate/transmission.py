"""Stochastic transmission by setting, driven by the generation-interval distribution.

Every day, each infectious person i spreads infectiousness w[d - t_i] x rel_inf_i into each of
their settings (household, compound, place group, township community, region-wide travel),
where w is the daily generation-interval distribution of the pathogen. A susceptible person's
hazard is the sum over their settings of beta_s x (infectiousness in the group) / (group size - 1),
scaled by how much each of the two still mixes in that setting under the response. A person
infected today gets an infector drawn in proportion to the infectiousness they were exposed to,
so the output holds infector -> infectee pairs with days.

With every contact open and no depletion, a case causes sum_s beta_s x coverage_s x rel_inf
infections on average, spread over days as w: the betas are calibrated so that this equals R0,
which makes the early growth rate the Euler-Lotka root of 1 = R0 sum_k w_k e^(-r k) (tested in
tests/simulate/test_transmission.py). Household saturation lowers the realised growth somewhat.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
        coverage = []
        for group in self.groups:
            size = np.bincount(group[group >= 0])
            self.norm.append(np.maximum(size - 1, 1).astype(np.float64))
            member = group >= 0
            coverage.append(float(np.mean(member & (size[np.maximum(group, 0)] >= 2))))
        mean_rel = 1 - pathogen.asymptomatic_share * (
            1 - pathogen.asymptomatic_relative_infectiousness)
        self.beta = np.array([r0_share / (mean_rel * cov) if cov > 0 else 0.0
                              for r0_share, cov in zip(np.multiply(params.r0, params.shares),
                                                       coverage, strict=True)])
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
