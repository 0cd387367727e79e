"""Epidemic tables of the output format: infections, cases, contacts, quarantine, lab, support."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from outbreakhq.simulate.detection import CLASSES, ROUTES
from outbreakhq.simulate.output import (
    CLASSIFICATIONS,
    SETTING_NAMES,
    SEVERITIES,
    Encoder,
)
from outbreakhq.simulate.state import INFECTION_SETTINGS, NEVER
from outbreakhq.simulate.support import REQUEST_KINDS, URGENCY
from outbreakhq.simulate.tracer import CATEGORIES, CONTACT_TYPES, RULES

if TYPE_CHECKING:
    from outbreakhq.simulate.engine import Engine


def _infections(engine: Engine, enc: Encoder) -> pa.Table:
    state, t = engine.state, engine.territory
    person = np.flatnonzero(state.inf_day != NEVER)
    person = person[np.lexsort((person, state.inf_day[person]))]
    setting = state.setting[person]
    at_place = setting == INFECTION_SETTINGS.index("place")
    group = np.where(at_place, t.place_group[person], -1)
    place = np.where(group >= 0, t.group_place[np.maximum(group, 0)], -1)
    return pa.table({
        "person": pa.array(person.astype(np.int32)),
        "infection_date": enc.dates(state.inf_day[person]),
        "infector": Encoder.ids(state.infector[person]),
        "setting": Encoder.labels(INFECTION_SETTINGS, setting),
        "place": Encoder.ids(place),
        "symptomatic": pa.array(state.onset[person] != NEVER),
        "onset_date": enc.dates(state.onset[person]),
        "severity": Encoder.labels(SEVERITIES, state.severity[person]),
    })


def _cases(engine: Engine, enc: Encoder) -> pa.Table:
    state, t = engine.state, engine.territory
    c = engine.cases.arrays()
    person = c["person"]
    onset = state.onset[person]
    confirmed = onset <= c["report_day"]
    return pa.table({
        "case": pa.array(c["case"]), "person": pa.array(person),
        "infection_date": enc.dates(state.inf_day[person]),
        "onset_date": enc.dates(onset),
        "sample_date": enc.dates(c["sample_day"]), "report_date": enc.dates(c["report_day"]),
        "route": Encoder.labels(ROUTES, c["route"]),
        "classification": Encoder.labels(CLASSIFICATIONS, np.where(confirmed, 0, 1)),
        "severity": Encoder.labels(SEVERITIES, np.where(confirmed, state.severity[person], -1)),
        "under_control": pa.array(c["under_control"]),
        "home_area_code": enc.area(t.level_rows["compound"][t.person_compound[person]]),
    })


def _contacts(engine: Engine, enc: Encoder) -> pa.Table:
    c = engine.tracer.contacts.arrays()
    return pa.table({
        "contact": pa.array(np.arange(c["case"].size, dtype=np.int64)),
        "case": pa.array(c["case"]), "person": pa.array(c["person"]),
        "category": Encoder.labels(CATEGORIES, c["category"]),
        "type": Encoder.labels(CONTACT_TYPES, c["type"]),
        "last_exposure_date": enc.dates(c["last_exposure"]),
        "traced_date": enc.dates(c["traced_day"]),
        "quarantined": pa.array(c["quarantined"]),
    })


def _stays(engine: Engine, enc: Encoder) -> pa.Table:
    """Quarantine stays, with how each ended: completed, became a case, or still running."""
    s = engine.tracer.stays.arrays()
    state, last_day = engine.state, engine.config.days - 1
    report = engine.cases.arrays()
    report_day = np.full(state.n, NEVER, dtype=np.int64)
    report_day[report["person"]] = report["report_day"]
    became_case = (report_day[s["person"]] >= s["start_day"]) & (
        report_day[s["person"]] <= s["monitoring_end"])
    end = np.where(became_case, report_day[s["person"]], s["monitoring_end"])
    ongoing = ~became_case & (s["monitoring_end"] > last_day)
    outcome = np.where(became_case, 1, np.where(ongoing, 2, 0))
    return pa.table({
        "stay": pa.array(np.arange(s["person"].size, dtype=np.int64)),
        "person": pa.array(s["person"]),
        "category": Encoder.labels(RULES, s["category"]),
        "setting": Encoder.labels(SETTING_NAMES, s["setting"]),
        "site": Encoder.ids(s["site"]),
        "start_date": enc.dates(s["start_day"]),
        "quarantine_end_date": enc.dates(s["quarantine_end"]),
        "monitoring_end_date": enc.dates(s["monitoring_end"]),
        "end_date": enc.dates(np.where(ongoing, NEVER, end)),
        "outcome": Encoder.labels(("completed", "became_case", "ongoing"), outcome),
    })


def _lab(engine: Engine, enc: Encoder) -> tuple[pa.Table, pa.Table, pa.Table]:
    t = engine.territory
    tubes = engine.lab.tubes.arrays()
    recalls = engine.lab.recalls.arrays()
    tube_table = pa.table({
        "tube": pa.array(tubes["tube"]),
        "collection_date": enc.dates(tubes["day"]), "result_date": enc.dates(tubes["result_day"]),
        "area_code": enc.area(t.level_rows["compound"][tubes["compound"]]),
        "population": Encoder.labels(CLASSES, tubes["population"]),
        "swabs": pa.array(tubes["swabs"]), "positive": pa.array(tubes["positive"]),
        "person": Encoder.ids(tubes["person"]),
    })
    recall_table = pa.table({
        "tube": pa.array(recalls["tube"]), "person": pa.array(recalls["person"]),
        "collection_date": enc.dates(recalls["day"]),
        "result_date": enc.dates(recalls["result_day"]),
        "positive": pa.array(recalls["positive"]),
    })
    members = engine.lab.members.arrays()
    member_table = pa.table({"tube": pa.array(members["tube"]),
                             "person": pa.array(members["person"])})
    return tube_table, recall_table, member_table


def _support(engine: Engine, enc: Encoder) -> tuple[pa.Table, pa.Table]:
    t = engine.territory
    r = engine.support.requests.arrays()
    requests = pa.table({
        "request": pa.array(np.arange(r["day"].size, dtype=np.int64)),
        "date": enc.dates(r["day"]), "household": pa.array(r["household"]),
        "person": pa.array(r["person"]),
        "area_code": enc.area(t.level_rows["compound"][t.hh_compound[r["household"]]]),
        "kind": Encoder.labels(REQUEST_KINDS, r["kind"]),
        "urgency": Encoder.labels(URGENCY, r["urgency"]),
    })
    s = engine.support.stranded_travellers(engine.rng_sup, days=engine.config.days)
    stranded = pa.table({
        "person": pa.array(s["person"]), "party": pa.array(s["party"]),
        "origin_province": pa.array(s["origin_province"].astype(str)),
        "area_code": enc.area(t.level_rows["compound"][t.person_compound[s["person"]]]),
        "stranded_date": enc.dates(s["stranded_day"]),
        "planned_departure_date": enc.dates(s["planned_departure_day"]),
    })
    return requests, stranded


def tables(engine: Engine, enc: Encoder) -> dict[str, pa.Table]:
    tubes, recalls, members = _lab(engine, enc)
    requests, stranded = _support(engine, enc)
    daily = engine.daily.arrays()
    daily_table = pa.table({"date": enc.dates(daily["day"]),
                            **{k: pa.array(v) for k, v in daily.items()}})
    return {
        "infections": _infections(engine, enc), "cases": _cases(engine, enc),
        "contacts": _contacts(engine, enc), "quarantine_stays": _stays(engine, enc),
        "tubes": tubes, "recalls": recalls, "tube_members": members, "support_requests": requests,
        "stranded_travellers": stranded, "daily": daily_table,
    }
