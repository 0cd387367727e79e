"""Needs of people under control: support requests from sealed households, stranded travellers.

A household is sealed when its compound is under a stay-home grade, or when one of its members
is in home quarantine. Each sealed household raises requests at daily rates (assumptions in
ResponseParams.request_rates); dialysis patients (0.1 % of people over 50, an order of magnitude
of Chinese haemodialysis prevalence) need a session every second day while sealed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from outbreakhq.simulate.records import Columns

if TYPE_CHECKING:
    from outbreakhq.simulate.response import ResponseParams
    from outbreakhq.simulate.territory import Territory

REQUEST_KINDS = ("food", "medicine", "urgent_care", "dialysis", "maternity", "mental_health")
URGENCY = ("routine", "soon", "urgent")
_URGENCY_OF = {"food": 0, "medicine": 1, "urgent_care": 2, "dialysis": 2, "maternity": 2,
               "mental_health": 1}
DIALYSIS_SHARE_OVER_50 = 0.001
# Provinces stranded travellers come from: real two-digit province codes (Beijing, Shanghai,
# Guangdong, Sichuan, Zhejiang, Jiangsu, Hubei, Shaanxi), since travellers are from elsewhere.
ORIGIN_PROVINCES = np.array([11, 31, 44, 51, 33, 32, 42, 61], dtype=np.int8)


class Support:
    def __init__(self, *, territory: Territory, params: ResponseParams,
                 rng: np.random.Generator) -> None:
        self.t, self.params = territory, params
        over_50 = territory.age >= 50
        self.dialysis = np.flatnonzero(over_50 & (rng.random(territory.population)
                                                  < DIALYSIS_SHARE_OVER_50))
        women = (~territory.male) & (territory.age >= 20) & (territory.age <= 40)
        self.hh_has_woman = np.bincount(territory.person_hh[women],
                                        minlength=territory.hh_size.size) > 0
        self.requests = Columns(day=np.int32, household=np.int32, person=np.int32,
                                kind=np.int8, urgency=np.int8)
        self.county_active_from = np.full(int(territory.compound_county.max()) + 1, -1, np.int32)

    def day(self, rng: np.random.Generator, *, day: int, sealed_compound: np.ndarray,
            home_quarantined: np.ndarray, active_counties: np.ndarray) -> None:
        """Raise today's requests; note counties that became active (travellers stranded)."""
        newly = active_counties & (self.county_active_from < 0)
        self.county_active_from[newly] = day
        t = self.t
        sealed = sealed_compound[t.hh_compound]
        sealed[t.person_hh[home_quarantined]] = True
        households = np.flatnonzero(sealed)
        if households.size == 0:
            return
        for code, kind in enumerate(REQUEST_KINDS):
            rate = self.params.request_rates.get(kind, 0.0)
            if kind == "dialysis":
                patients = self.dialysis[sealed[t.person_hh[self.dialysis]]]
                patients = patients[(day + patients) % 2 == 0]
                hh = t.person_hh[patients]
                person = patients
            else:
                hh = households[rng.random(households.size) < rate]
                if kind == "maternity":
                    hh = hh[self.hh_has_woman[hh]]
                person = t.hh_start[hh].astype(np.int32)
            self.requests.append(day=day, household=hh, person=person, kind=code,
                                 urgency=_URGENCY_OF[kind])

    def stranded_travellers(self, rng: np.random.Generator, *, days: int) -> dict[str, np.ndarray]:
        """Visiting travellers whose county came under control: stuck until it clears."""
        t = self.t
        visitors = np.flatnonzero(t.hh_visitor[t.person_hh])
        since = self.county_active_from[t.person_county[visitors]]
        stranded = visitors[since >= 0]
        party = t.person_hh[stranded]
        parties, first = np.unique(party, return_inverse=True)
        origin = ORIGIN_PROVINCES[rng.integers(0, ORIGIN_PROVINCES.size, size=parties.size)]
        planned = rng.integers(1, 8, size=parties.size)  # days after arrival they meant to leave
        stuck = self.county_active_from[t.person_county[stranded]]
        return {
            "person": stranded.astype(np.int32), "party": party.astype(np.int32),
            "origin_province": origin[first], "stranded_day": stuck.astype(np.int32),
            "planned_departure_day": np.minimum(stuck + planned[first], days).astype(np.int32),
        }
