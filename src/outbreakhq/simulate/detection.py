"""Finding infections: screening rounds with pooled tubes, quarantine tests and clinic visits.

A tube holds the swabs of consecutive people of one compound (or of one household in a sealed
compound), so pools look like those of a real collection site. A positive multi-swab tube puts
its members under isolation in place and recalls them for individual tests; the positives among
them are reported when the recall results come back.

Emitted (see docs/simulator.md): one row per tube (`tubes`), one row per recalled member of a
positive pool (`recalls`); the individual swabs of tubes (`tube_members`) only for the tubes
collected on the last MEMBER_DAYS days, which keeps a million-person screening round at about
100,000 rows instead of a million while the last rounds (those the demo shows in progress) can be
loaded tube by tube with their members.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from outbreakhq.simulate.records import Columns
from outbreakhq.simulate.state import State

if TYPE_CHECKING:
    from outbreakhq.simulate.pathogen import Pathogen
    from outbreakhq.simulate.response import ResponseParams
    from outbreakhq.simulate.territory import Territory

ROUTES = ("community_screening", "controlled_population_screening", "quarantine_testing",
          "clinic", "contact_tracing", "inbound")
ROUTE = {name: i for i, name in enumerate(ROUTES)}
CLASSES = ("community", "controlled_population", "priority_group", "quarantine", "clinic",
           "recall")
CLASS = {name: i for i, name in enumerate(CLASSES)}
HOUSEHOLD_POOL = 0
MEMBER_DAYS = 2  # tubes of the last two days list their members (`tube_members`)


class Lab:
    """Collects samples, forms tubes, reports results; keeps the tube and recall records."""

    def __init__(self, *, territory: Territory, pathogen: Pathogen, params: ResponseParams,
                 state: State) -> None:
        self.territory, self.pathogen, self.params, self.state = territory, pathogen, params, state
        self.tubes = Columns(tube=np.int64, day=np.int32, compound=np.int32, population=np.int8,
                             swabs=np.int16, positive=np.bool_, result_day=np.int32,
                             person=np.int32)
        self.recalls = Columns(tube=np.int64, person=np.int32, day=np.int32,
                               result_day=np.int32, positive=np.bool_)
        self.members = Columns(tube=np.int64, person=np.int32)
        self.members_from = np.iinfo(np.int32).max  # the engine sets: first day listing members
        self.next_tube = 0
        self.totals = np.zeros(3, dtype=np.int64)  # tubes, positive tubes, swabs so far

    def _tube_index(self, people: np.ndarray, pool: int) -> np.ndarray:
        """Tube number (0..) of each person (people sorted by index, hence by compound)."""
        t = self.territory
        if pool == HOUSEHOLD_POOL:
            key = t.person_hh[people].astype(np.int64)
        else:
            compound = t.person_compound[people].astype(np.int64)
            rank = np.arange(people.size) - np.searchsorted(compound, compound)
            key = compound * (1 << 32) + rank // pool
        new = np.concatenate([[True], key[1:] != key[:-1]]) if key.size else key.astype(bool)
        return np.cumsum(new) - 1

    def collect(self, rng: np.random.Generator, *, day: int, people: np.ndarray, pool: int,
                population: str, route: int | np.ndarray) -> None:
        """One screening collection of `people` (sorted) in tubes of `pool` swabs."""
        if people.size == 0:
            return
        tube = self._tube_index(people, pool)
        n_tubes = int(tube[-1]) + 1
        swab_positive = self.state.pcr_positive(rng, people=people, day=day,
                                                pathogen=self.pathogen)
        swabs = np.bincount(tube, minlength=n_tubes)
        positive = np.bincount(tube, weights=swab_positive, minlength=n_tubes) > 0
        result_day = day + self.params.result_delay_days
        first = np.concatenate([[0], np.cumsum(swabs)[:-1]])
        ids = self.next_tube + np.arange(n_tubes, dtype=np.int64)
        self.next_tube += n_tubes
        self.totals += (n_tubes, int(positive.sum()), people.size)
        self.tubes.append(tube=ids, day=day,
                          compound=self.territory.person_compound[people[first]],
                          population=CLASS[population], swabs=swabs, positive=positive,
                          result_day=result_day,
                          person=np.where(swabs == 1, people[first], -1))
        if day >= self.members_from:  # people are sorted by tube: members in swab order
            self.members.append(tube=ids[tube], person=people)
        route = np.broadcast_to(np.asarray(route, dtype=np.int8), people.shape)
        single = swab_positive & (swabs[tube] == 1)
        for r in np.unique(route[single]):
            hit = single & (route == r)
            self.state.report_later(people=people[hit], report_day=result_day,
                                    sample_day=day, route=int(r))
        pooled = positive[tube] & (swabs[tube] > 1)
        if pooled.any():
            self._recall(rng, day=result_day, people=people[pooled], tube=ids[tube[pooled]],
                         route=route[pooled], sample_day=day)

    def _recall(self, rng: np.random.Generator, *, day: int, people: np.ndarray,
                tube: np.ndarray, route: np.ndarray, sample_day: int) -> None:
        """Members of positive pools: isolated in place at once, retested one swab each."""
        state = self.state
        if self.params.isolate_positive_pools:
            # Isolation stops transmission only for the infected: record it for them alone.
            infected = people[(day - state.inf_day[people]) >= 0]
            state.isolated_from[infected] = np.minimum(state.isolated_from[infected], day)
        # The retest is taken when the pool result arrives; its result comes one lab cycle
        # later, at the earliest the next day.
        result_day = day + max(1, self.params.result_delay_days)
        positive = state.pcr_positive(rng, people=people, day=day, pathogen=self.pathogen)
        self.recalls.append(tube=tube, person=people, day=day, result_day=result_day,
                            positive=positive)
        for r in np.unique(route[positive]):
            hit = positive & (route == r)
            state.report_later(people=people[hit], report_day=result_day,
                               sample_day=sample_day, route=int(r))

    def clinic(self, rng: np.random.Generator, *, day: int, alerted: bool) -> None:
        """People whose illness brings them to a clinic today get an individual test.

        Before the first case is found, a doctor tests only severe illness and a small share of
        mild fevers (`pre_alert_testing`): that is why an outbreak grows unseen at first."""
        state = self.state
        people = np.flatnonzero(state.present_day == day)
        people = people[(state.case_id[people] < 0) & (state.pending_day[people] > day)]
        if not alerted:
            tested = (state.severity[people] >= 2) | (
                rng.random(people.size) < self.params.pre_alert_testing)
            people = people[tested]
        self.collect(rng, day=day, people=people, pool=1, population="clinic",
                     route=ROUTE["clinic"])
