"""Case investigation, contacts and quarantine, following the protocol's people rules.

An investigation lists as close contacts the case's household, a share of their place group
(ward, class, team) and of their building, and a share of the people they really infected or
were infected by (the transmission links the engine recorded, within the protocol's look-back);
then the households of close contacts as contacts of contacts. Close contacts and contacts of
contacts enter quarantine by their protocol rule (centralised or at home, then home monitoring)
and are tested on the rule's test days.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from outbreakhq.simulate.places import PLACE_TYPES
from outbreakhq.simulate.records import Columns
from outbreakhq.simulate.response import CENTRALISED, HOME, NONE, QuarantineRule
from outbreakhq.simulate.state import NEVER, State

if TYPE_CHECKING:
    from outbreakhq.simulate.response import ResponseParams
    from outbreakhq.simulate.territory import Territory

RULES = ("close_contact", "secondary_contact", "inbound_traveller")
CLOSE, SECONDARY, INBOUND_RULE = 1, 2, 3  # values of State.quar_rule
CATEGORIES = ("close", "secondary")
CONTACT_TYPES = ("household", "work", "same_building", "transport", "health_care", "other")
_TYPE = {name: i for i, name in enumerate(CONTACT_TYPES)}
_PLACE_CONTACT = {"hospital": "health_care", "nursing_home": "other", "school": "other"}
PLACE_CONTACT_TYPE = np.array([_TYPE[_PLACE_CONTACT.get(p, "work")] for p in PLACE_TYPES],
                              dtype=np.int8)
START_DELAY_DAYS = 1  # traced today, in quarantine (day 1) tomorrow


def expand(starts: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, position) pairs for the ranges [start, start + size) of each owner."""
    sizes = sizes.astype(np.int64)
    owner = np.repeat(np.arange(sizes.size), sizes)
    offset = np.arange(owner.size) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return owner, starts.astype(np.int64)[owner] + offset


class Tracer:
    def __init__(self, *, territory: Territory, params: ResponseParams, state: State) -> None:
        self.t, self.params, self.state = territory, params, state
        rules: list[QuarantineRule] = [params.close_contact, params.secondary_contact,
                                       params.inbound_traveller]
        self.rules = rules
        longest = max(r.stay_days for r in rules) + 2
        self.test_day = np.zeros((len(rules), longest), dtype=bool)
        for i, rule in enumerate(rules):
            self.test_day[i, [d for d in rule.test_days if d < longest]] = True
        self.q_days = np.array([r.quarantine_days for r in rules])
        self.stay_days = np.array([r.stay_days for r in rules])
        self.setting = np.array([r.setting for r in rules], dtype=np.int8)
        grouped = np.flatnonzero(territory.place_group >= 0)
        self.group_members = grouped[np.argsort(territory.place_group[grouped], kind="stable")]
        self.group_start = np.searchsorted(territory.place_group[self.group_members],
                                           np.arange(territory.group_place.size + 1))
        first_hh = np.searchsorted(territory.hh_building,
                                   np.arange(int(territory.hh_building[-1]) + 2))
        self.building_start = np.append(territory.hh_start, territory.population)[first_hh]
        sites = np.flatnonzero(territory.place_type == PLACE_TYPES.index("quarantine_site"))
        county_of_site = territory.compound_county[territory.place_compound[sites]]
        self.site_of_county = np.full(int(territory.compound_county.max()) + 1, -1, np.int32)
        self.site_of_county[county_of_site[::-1]] = sites[::-1]  # first site of each county
        self.contacts = Columns(case=np.int32, person=np.int32, category=np.int8,
                                type=np.int8, last_exposure=np.int32, traced_day=np.int32,
                                quarantined=np.bool_)
        self.stays = Columns(person=np.int32, category=np.int8, setting=np.int8,
                             start_day=np.int32, quarantine_end=np.int32,
                             monitoring_end=np.int32, site=np.int32)

    def status(self, *, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """People under a rule today: (people, kind NONE/CENTRALISED/HOME, stay day, rule).

        Stays that ended are released here, so the state never holds a finished stay."""
        state = self.state
        people = np.flatnonzero(state.quar_rule > 0)
        rule = state.quar_rule[people].astype(np.int64) - 1
        stay_day = day - state.quar_start[people] + 1
        done = stay_day > self.stay_days[rule]
        state.quar_rule[people[done]] = 0
        people, rule, stay_day = people[~done], rule[~done], stay_day[~done]
        kind = np.where(stay_day <= self.q_days[rule], self.setting[rule], HOME)
        kind = np.where(stay_day >= 1, kind, NONE).astype(np.int8)
        return people, kind, stay_day, rule

    def quarantine(self, *, people: np.ndarray, rule_value: int, start: int) -> np.ndarray:
        """Put people who are not yet under a rule into quarantine; return who entered."""
        rule = self.rules[rule_value - 1]
        if not rule.applies or people.size == 0:
            return np.zeros(0, dtype=np.int32)
        state = self.state
        people = np.unique(people)
        free = (state.quar_rule[people] == 0) | (
            (state.quar_rule[people] == SECONDARY) & (rule_value == CLOSE))
        people = people[free & (state.case_id[people] < 0) & (state.isolated_from[people] == NEVER)]
        state.quar_rule[people] = rule_value
        state.quar_start[people] = start
        site = np.where(rule.setting == CENTRALISED,
                        self.site_of_county[self.t.person_county[people]], -1)
        self.stays.append(person=people, category=rule_value - 1, setting=rule.setting,
                          start_day=start, quarantine_end=start + rule.quarantine_days - 1,
                          monitoring_end=start + rule.stay_days - 1, site=site)
        return people

    def _links(self, *, cases: np.ndarray, day: int, rng: np.random.Generator
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Transmission links the investigation finds: (owner, person, type, exposure day)."""
        state, share = self.state, self.params.contact_find_share
        position = np.full(state.n, -1, dtype=np.int64)
        position[cases] = np.arange(cases.size)
        onset = state.onset[cases]
        found = day if self.params.anchor_on_result else state.pending_sample[cases]
        anchor = np.where(onset <= day, onset, found)
        infected = np.flatnonzero(state.infector >= 0)
        infectee = infected[position[state.infector[infected]] >= 0]
        owner_a = position[state.infector[infectee]]
        has_infector = state.infector[cases] >= 0
        owner = np.concatenate([owner_a, np.flatnonzero(has_infector)])
        person = np.concatenate([infectee, state.infector[cases[has_infector]]])
        exposure = np.concatenate([state.inf_day[infectee], state.inf_day[cases[has_infector]]])
        setting = np.concatenate([state.setting[infectee], state.setting[cases[has_infector]]])
        keep = (rng.random(person.size) < share) & (
            exposure >= anchor[owner] - self.params.lookback_days)
        group = np.maximum(self.t.place_group[person], 0)
        place_type = self.t.place_type[self.t.group_place[group]] if group.size else group
        kind = np.select([setting == 0, setting == 1, setting == 2, setting == 4],
                         [_TYPE["household"], _TYPE["same_building"],
                          PLACE_CONTACT_TYPE[place_type] if group.size else 0,
                          _TYPE["transport"]], _TYPE["other"])
        return owner[keep], person[keep], kind[keep], exposure[keep]

    def _near(self, *, cases: np.ndarray, day: int, rng: np.random.Generator
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Household, place-group and building contacts: (owner, person, type)."""
        t, state = self.t, self.state
        rule = state.quar_rule[cases]
        in_stay = (rule > 0) & (state.quar_start[cases] <= day)
        # In centralised quarantine a case met no one of theirs; at home, only the household.
        central = in_stay & (self.setting[np.maximum(rule.astype(np.int64) - 1, 0)] == CENTRALISED)
        exposed = ~in_stay
        hh = t.person_hh[cases]
        o1, p1 = expand(t.hh_start[hh], np.where(central, 0, t.hh_size[hh]))
        group = t.place_group[cases]
        g = np.maximum(group, 0)
        sizes = np.where((group >= 0) & exposed, self.group_start[g + 1] - self.group_start[g], 0)
        o2, i2 = expand(self.group_start[g], sizes)
        p2 = self.group_members[i2]
        keep2 = rng.random(p2.size) < self.params.contact_find_share
        building = t.hh_building[hh]
        sizes = np.where(exposed, self.building_start[building + 1] - self.building_start[building],
                         0)
        o3, p3 = expand(self.building_start[building], sizes)
        keep3 = (rng.random(p3.size) < self.params.building_contact_share) & (
            t.person_hh[p3] != hh[o3])
        place_type = t.place_type[t.group_place[g]] if g.size else g
        owner = np.concatenate([o1, o2[keep2], o3[keep3]])
        person = np.concatenate([p1, p2[keep2], p3[keep3]])
        kind = np.concatenate([np.full(o1.size, _TYPE["household"]),
                               PLACE_CONTACT_TYPE[place_type][o2[keep2]],
                               np.full(keep3.sum(), _TYPE["same_building"])])
        return owner, person, kind

    def investigate(self, rng: np.random.Generator, *, day: int, cases: np.ndarray) -> None:
        """Trace today's new cases (person indices); quarantine their contacts."""
        if cases.size == 0:
            return
        state = self.state
        lo, lp, lk, le = self._links(cases=cases, day=day, rng=rng)
        no, np_, nk = self._near(cases=cases, day=day, rng=rng)
        owner = np.concatenate([lo, no])
        person = np.concatenate([lp, np_]).astype(np.int64)
        kind = np.concatenate([lk, nk]).astype(np.int8)
        exposure = np.concatenate([le, np.minimum(state.pending_sample[cases][no], day)])
        keep = person != cases[owner]
        owner, person, kind, exposure = owner[keep], person[keep], kind[keep], exposure[keep]
        _, first = np.unique(owner * state.n + person, return_index=True)
        owner, person, kind, exposure = owner[first], person[first], kind[first], exposure[first]
        start = day + START_DELAY_DAYS
        entered = self.quarantine(people=person, rule_value=CLOSE, start=start)
        self._record(cases=cases, owner=owner, person=person, category=0, kind=kind,
                     exposure=exposure, day=day, entered=entered)
        if self.params.trace_secondary and self.rules[SECONDARY - 1].applies:
            self._secondary(cases=cases, owner=owner, close=person, day=day, start=start)

    def _secondary(self, *, cases: np.ndarray, owner: np.ndarray, close: np.ndarray, day: int,
                   start: int) -> None:
        t, state = self.t, self.state
        close_unique, first = np.unique(close, return_index=True)
        hh = t.person_hh[close_unique]
        o, p = expand(t.hh_start[hh], t.hh_size[hh])
        is_close = np.zeros(state.n, dtype=bool)
        is_close[close] = True
        keep = ~is_close[p] & (state.case_id[p] < 0)
        p, src = p[keep], owner[first][o[keep]]
        p, uniq = np.unique(p, return_index=True)
        src = src[uniq]
        entered = self.quarantine(people=p, rule_value=SECONDARY, start=start)
        self._record(cases=cases, owner=src, person=p, category=1, kind=_TYPE["household"],
                     exposure=np.full(p.size, day), day=day, entered=entered)

    def _record(self, *, cases: np.ndarray, owner: np.ndarray, person: np.ndarray, category: int,
                kind: np.ndarray | int, exposure: np.ndarray, day: int, entered: np.ndarray
                ) -> None:
        self.contacts.append(case=self.state.case_id[cases[owner]], person=person,
                             category=category, type=kind, last_exposure=exposure,
                             traced_day=day, quarantined=np.isin(person, entered))
