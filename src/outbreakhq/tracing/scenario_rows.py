"""The tracing records of a simulated outbreak (simulator output format v1), column by column.

Pure numpy and pyarrow, no Django: the rules that turn the simulator's `cases`, `contacts`,
`infections` and `quarantine_stays` tables into the platform's cases, contacts and daily
follow-ups, kept apart from the writes (tracing/scenario_load.py) so that they read, and test,
on their own. Rows are addressed by their position in the scenario's tables (case row, contact row,
person row); the writer maps positions to database ids.

Days are integers (days since 1970-01-01, `NO_DAY` for none), already shifted by the load's
offset, so that the simulation's last day is the day the load calls today.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NO_DAY = np.iinfo(np.int32).max  # a missing date (and "never" in comparisons: after any day)
# The simulator's names -> the model's choices (tracing/models.py), where they differ.
ROUTES = {"community_screening": "community_screening",
          "controlled_population_screening": "controlled_screening",
          "quarantine_testing": "quarantine_testing", "clinic": "clinic",
          "contact_tracing": "contact_tracing", "inbound": "inbound"}
CATEGORIES = {"close": "close_contact", "secondary": "secondary_contact"}
CONTACT_TYPES = {name: name for name in ("household", "work", "same_building", "transport",
                                         "health_care", "other")}
STATUSES = ("following", "quarantine", "completed", "converted")
FOLLOWING, QUARANTINE, COMPLETED, CONVERTED = range(4)
FOLLOWUP_STATUSES = ("well", "symptoms")


@dataclass(frozen=True)
class Rules:
    followup_days: dict[str, int]  # by model category: the protocol's `followup_days`
    offset: int  # days added to every scenario date
    today: int  # the simulation's last day, after the offset
    followup_budget: int  # most follow-up rows loaded for every contact's whole window
    recent_days: int = 14  # above the budget: only windows overlapping these last days


def days(column: pa.ChunkedArray | pa.Array, offset: int = 0) -> np.ndarray:
    """A date column as shifted day numbers, NO_DAY where null."""
    values = pc.fill_null(column.cast(pa.int32()), NO_DAY).to_numpy().astype(np.int64)
    return np.where(values == NO_DAY, NO_DAY, values + offset)


def as_dates(values: np.ndarray) -> pa.Array:
    return pa.array(values.astype(np.int32), type=pa.date32(), mask=values == NO_DAY)


def ids(positions: np.ndarray, id_of: np.ndarray) -> pa.Array:
    """Database ids of rows given by position, null where the position is -1."""
    return pa.array(id_of[np.maximum(positions, 0)], mask=positions < 0)


def labels(names: tuple[str, ...], codes: np.ndarray) -> pa.Array:
    return pc.take(pa.array(names), pa.array(codes))


def rename(column: pa.ChunkedArray, names: dict[str, str]) -> pa.Array:
    """The simulator's labels replaced by the model's (an unknown label fails loudly)."""
    index = pc.index_in(column.combine_chunks(), value_set=pa.array(list(names)))
    if index.null_count:
        raise ValueError(f"unknown values in {sorted(set(column.to_pylist()) - set(names))}")
    return pc.take(pa.array(list(names.values())), index)


def county_codes(areas: pa.Table) -> dict[str, str]:
    """Each area's county (its own code for a county; absent above the county level)."""
    t = areas.select(["code", "parent_code", "level"]).to_pydict()
    parent = dict(zip(t["code"], t["parent_code"], strict=True))
    county: dict[str, str] = {}
    for code, level in zip(t["code"], t["level"], strict=True):  # parents come first
        if level == "county":
            county[code] = code
        elif parent[code] in county:
            county[code] = county[parent[code]]
    return county


@dataclass(frozen=True)
class Cases:
    person: np.ndarray  # person row of each case row
    report: np.ndarray
    onset: np.ndarray
    source: np.ndarray  # case row of the infector, -1 when unknown or not a case
    columns: dict[str, pa.Array]  # the model's columns that need no id mapping


def cases(table: pa.Table, infections: pa.Table, *, population: int, offset: int) -> Cases:
    """Cases with their infector's case as source: the transmission links the platform knows
    (an infector who was never found is an unknown source, as it would be in the field)."""
    person = table.column("person").to_numpy().astype(np.int64)
    case_of = np.full(population, -1, dtype=np.int64)
    case_of[person] = np.arange(person.size)
    infector = np.full(population, -1, dtype=np.int64)
    infector[infections.column("person").to_numpy()] = pc.fill_null(
        infections.column("infector"), -1).to_numpy()
    source = np.where(infector[person] >= 0, case_of[np.maximum(infector[person], 0)], -1)
    route = rename(table.column("route"), ROUTES)
    report = days(table.column("report_date"), offset)
    # Symptoms that began after the report are not known on the report day (the simulator
    # classifies such cases as asymptomatic), and the platform refuses an onset after the report.
    onset = days(table.column("onset_date"), offset)
    onset = np.where(onset <= report, onset, NO_DAY)
    columns = {
        "classification": table.column("classification").combine_chunks(),
        "onset_date": as_dates(onset),
        "sampling_date": as_dates(days(table.column("sample_date"), offset)),
        "report_date": as_dates(report),
        "severity": pc.fill_null(table.column("severity"), "asymptomatic").combine_chunks(),
        "detection_route": route,
        "under_control_when_found": table.column("under_control").combine_chunks(),
    }
    return Cases(person=person, report=report, onset=onset, source=source, columns=columns)


def in_centralised_quarantine(stays: pa.Table, *, population: int, offset: int,
                              today: int) -> np.ndarray:
    """Who is in the centralised part of a quarantine stay today (by person row)."""
    start = days(stays.column("start_date"), offset)
    end = days(stays.column("quarantine_end_date"), offset)
    central = pc.equal(stays.column("setting"), "centralised").to_numpy(zero_copy_only=False)
    inside = np.zeros(population, dtype=bool)
    inside[stays.column("person").to_numpy()[central & (start <= today) & (end >= today)]] = True
    return inside


@dataclass(frozen=True)
class Contacts:
    person: np.ndarray
    source_case: np.ndarray  # case row, -1 for a contact of a close contact
    source_contact: np.ndarray  # contact row of the close contact, -1 for a close contact
    category: pa.Array
    contact_type: pa.Array
    last_exposure: np.ndarray
    start: np.ndarray
    end: np.ndarray
    first_check: np.ndarray  # first day a tracer could check: the window's, once traced
    traced: np.ndarray  # the day the contact was listed (the record's creation)
    status: np.ndarray  # index into STATUSES
    converted: np.ndarray  # case row the contact became (one contact per case), or -1
    stop: np.ndarray  # last day with a check: the day before today, or before the report
    onset: np.ndarray  # onset of the person's case when they became one, else NO_DAY


def _close_contact_of(table: pa.Table, household: np.ndarray, traced: np.ndarray,
                      close: np.ndarray) -> np.ndarray:
    """For a contact of a close contact, the close contact it came through: the simulator
    lists the household of a close contact of the same case, traced the same day."""
    if close.all():
        return np.full(close.size, -1, dtype=np.int64)
    case = table.column("case").to_numpy().astype(np.int64)
    hh = household[table.column("person").to_numpy()]
    day = traced - traced.min()
    key = (case * (household.max() + 1) + hh) * (day.max() + 1) + day
    rows = np.flatnonzero(close)
    rows = rows[np.argsort(key[rows], kind="stable")]  # the first listed of a household first
    at = np.searchsorted(key[rows], key, side="left")
    found = rows[np.minimum(at, rows.size - 1)] if rows.size else np.zeros_like(key)
    if not rows.size or not np.array_equal(key[found][~close], key[~close]):
        raise ValueError("a contact of a close contact has no close contact in their household "
                         "listed for the same case and day: not simulator output format 1")
    return np.where(close, -1, found)


def _converted(person: np.ndarray, traced: np.ndarray, became: np.ndarray,
               report: np.ndarray) -> np.ndarray:
    """The contact each case came from: of the person's listings that saw them become a case
    (listed by the report day, window still open), the latest. A person listed by several cases
    has several such rows; the model keeps one link per case."""
    linked = np.zeros(person.size, dtype=bool)
    candidates = np.flatnonzero(became & (traced <= report))
    if candidates.size == 0:
        return linked
    order = candidates[np.lexsort((candidates, traced[candidates], person[candidates]))]
    last = np.append(person[order][1:] != person[order][:-1], True)
    linked[order[last]] = True
    return linked


def contacts(table: pa.Table, case_rows: Cases, *, household: np.ndarray,
             centralised_today: np.ndarray, rules: Rules) -> Contacts:
    """Contacts with their protocol window, source, status and conversion."""
    person = table.column("person").to_numpy().astype(np.int64)
    category = rename(table.column("category"), CATEGORIES)
    close = pc.equal(category, "close_contact").to_numpy(zero_copy_only=False)
    window = np.where(close, rules.followup_days["close_contact"],
                      rules.followup_days["secondary_contact"])
    if (window <= 0).any():  # the service refuses such a contact too (followup_window)
        unfollowed = sorted(set(pc.filter(category, pa.array(window <= 0)).to_pylist()))
        raise ValueError(f"the protocol follows no {', '.join(unfollowed)}, but the scenario "
                         "lists some: load it under the protocol it was simulated with")
    exposure = days(table.column("last_exposure_date"), rules.offset)
    traced = days(table.column("traced_date"), rules.offset)
    start, end = exposure + 1, exposure + window
    case_of = np.full(household.size, -1, dtype=np.int64)
    case_of[case_rows.person] = np.arange(case_rows.person.size)
    own_case = case_of[person]
    report = np.where(own_case >= 0, case_rows.report[own_case], NO_DAY)
    became = report <= end  # a case before their follow-up would have ended
    linked = _converted(person, traced, became, report)
    status = np.select([became, end < rules.today, centralised_today[person]],
                       [CONVERTED, COMPLETED, QUARANTINE], FOLLOWING)
    stop = np.minimum(np.minimum(end, rules.today - 1), np.where(became, report - 1, NO_DAY))
    source_case = np.where(close, table.column("case").to_numpy(), -1)
    return Contacts(
        person=person, source_case=source_case,
        source_contact=_close_contact_of(table, household, traced, close), category=category,
        contact_type=rename(table.column("type"), CONTACT_TYPES),
        last_exposure=exposure, start=start, end=end, first_check=np.maximum(start, traced),
        traced=traced, status=status, converted=np.where(linked, own_case, -1), stop=stop,
        onset=np.where(became, case_rows.onset[np.maximum(own_case, 0)], NO_DAY))


@dataclass(frozen=True)
class FollowUps:
    contact: np.ndarray  # contact row of each follow-up
    day: np.ndarray
    status: np.ndarray  # index into FOLLOWUP_STATUSES
    last: np.ndarray  # per contact row: the last day with a check, NO_DAY when none loaded
    recent_only: bool  # the budget cut the older windows' checks


def followups(rows: Contacts, rules: Rules) -> FollowUps:
    """One check a day, from the first day a tracer could check until the day before today (or
    before the report, for those who became cases): well, or symptoms from the onset of those
    who became cases. Today's checks are left to do: they are today's worklist."""
    count = np.clip(rows.stop - rows.first_check + 1, 0, None)
    recent_only = int(count.sum()) > rules.followup_budget
    if recent_only:
        count = np.where(rows.end > rules.today - rules.recent_days, count, 0)
    contact = np.repeat(np.arange(count.size), count)
    offset = np.arange(contact.size) - np.repeat(np.cumsum(count) - count, count)
    day = rows.first_check[contact] + offset
    status = (day >= rows.onset[contact]).astype(np.int8)
    last = np.where(count > 0, rows.first_check + count - 1, NO_DAY)
    return FollowUps(contact=contact, day=day, status=status, last=last,
                     recent_only=recent_only)
