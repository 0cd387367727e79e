"""The simulator's screening tables for a scenario (called by wiring/scenario_loader.py after
tracing's load, inside its transaction; dates shifted like tracing's, the simulation's last day
being today).

What loads: the tubes whose members the simulator lists (`tube_members`: the last MEMBER_DAYS
days, see docs/simulator.md), with their members, the transport boxes they travelled in and the
recalls of their positive pools. Older tubes stay in the simulator's files (one row per tube,
no members: nothing a screening page could show about them).

- One campaign for the region; one round per day and population (community, sealed
  compounds, priority groups, quarantine sites; clinic tests are not a screening round), its
  target the region, closed when its day is past.
- One collection site per compound that sampled, open 07:00 to 19:00; one lab per county
  that sampled (its CDC laboratory), where the boxes of the county's sites are received.
- Custody times, the same rule every day: the tubes of a site are collected evenly over its
  opening hours (today: from the opening, or twelve hours ago if later, until ten minutes ago);
  every BOX_SIZE tubes (and the site's last ones) leave in a box a quarter of an hour after its
  last tube, the box reaches the lab RECEIPT_HOURS later, its tubes are resulted RESULT_HOURS
  after that and reported REPORT_HOURS after that. A step whose time is not yet reached is not
  done: today's round is in progress (early tubes reported, then resulted, received, in
  transit, and the last ones sealed at the site waiting for their box).
- Names are data in the deployment's language (settings.LANGUAGE_CODE, OUTBREAKHQ_LANGUAGE):
  the areas' own names (the simulator's name_en / name_zh) and the words of NAMES, chosen by
  core/data_language.py as tracing's, quarantine's and support's are, so that a Chinese
  deployment's pages show "天宁县疾控中心实验室", not "Tianning County CDC laboratory".
- Results are the simulator's (positive or negative); a positive pool resulted by now has its
  members recalled: resulted when the simulator's retest result date is before today, else
  still open (notified).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pyarrow as pa
from django.db import connection
from django.utils import timezone

from outbreakhq import protocols
from outbreakhq.core import bulk
from outbreakhq.core.data_language import names_in
from outbreakhq.screening import rules
from outbreakhq.screening.models import (
    POOL_RULE,
    Box,
    BoxStatus,
    Campaign,
    Exemption,
    Lab,
    Recall,
    RecallReason,
    RecallStatus,
    Result,
    Round,
    RoundKind,
    Site,
    Tube,
    TubeMember,
    TubeStatus,
)

# The demo's campaign, site and lab names by deployment language (core/data_language.py): data
# for the records, not interface strings (a record keeps one name, whoever reads it).
NAMES = {
    "en": {"campaign": "Screening of {area}", "site": "{area} collection point",
           "lab": "{area} CDC laboratory"},
    "zh": {"campaign": "{area}全员核酸筛查", "site": "{area}采样点", "lab": "{area}疾控中心实验室"},
}

KINDS = {"community": RoundKind.COMMUNITY, "controlled_population": RoundKind.SEALED,
         "priority_group": RoundKind.PRIORITY, "quarantine": RoundKind.QUARANTINE}
OPENS, CLOSES = time(7), time(19)
BOX_SIZE = 50
SHIP_AFTER = timedelta(minutes=15)
RECEIPT_HOURS, RESULT_HOURS, REPORT_HOURS = 1.5, 3.0, 0.5


@dataclass(frozen=True)
class ScreeningLoad:
    rounds: int
    sites: int
    tubes: int
    members: int
    boxes: int
    recalls: int
    labs: int = 0


def delete_tenant(tenant_id: int) -> None:
    """Remove a tenant's screening rows (before its people and areas), set-based: children
    first, so that no foreign key is left dangling even where PostgreSQL checks them at once."""
    with connection.cursor() as cursor:
        for model in (Recall, Exemption, TubeMember, Tube, Box, Lab, Round, Site, Campaign):
            cursor.execute(f'DELETE FROM "{model._meta.db_table}" WHERE tenant_id = %s',
                           [tenant_id])


def _timeline(collected: np.ndarray, box_shipped: np.ndarray) -> dict[str, np.ndarray]:
    """Custody times (seconds since the epoch) of each step from collection and shipping."""
    received = box_shipped + RECEIPT_HOURS * 3600
    resulted = received + RESULT_HOURS * 3600
    return {"collected": collected, "shipped": box_shipped, "received": received,
            "resulted": resulted, "reported": resulted + REPORT_HOURS * 3600}


def _day_window(day: date, now: datetime) -> tuple[float, float]:
    """Seconds since the epoch when a site's collection starts and ends on `day`."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, OPENS, tz).timestamp()
    end = datetime.combine(day, CLOSES, tz).timestamp()
    if day >= timezone.localdate(now):
        start = max(min(start, now.timestamp() - 12 * 3600),
                    datetime.combine(day, time(0), tz).timestamp())
        end = now.timestamp() - 600
    return start, max(start, end)


def load_scenario(scenario, *, tenant_id: int, area_ids: dict[str, int], person_ids: list[int],
                  today: date, offset: int, protocol: protocols.Protocol,
                  now: datetime | None = None) -> ScreeningLoad:
    if "tube_members" not in scenario.tables or scenario["tube_members"].num_rows == 0:
        return ScreeningLoad(0, 0, 0, 0, 0, 0)
    now = now or timezone.now()
    shift = timedelta(days=offset)
    members = scenario["tube_members"].to_pydict()
    listed = np.unique(np.asarray(members["tube"], dtype=np.int64))
    t = scenario["tubes"]
    keep = np.isin(np.asarray(t["tube"]), listed) & np.isin(
        np.asarray(t["population"].to_pylist(), dtype=object), list(KINDS))
    t = t.filter(pa.array(keep)).to_pydict()
    if not t["tube"]:
        return ScreeningLoad(0, 0, 0, 0, 0, 0)
    column, words = names_in(NAMES)
    area_names = dict(zip(scenario["areas"]["code"].to_pylist(),
                          scenario["areas"][column].to_pylist(), strict=True))
    homes = scenario["persons"]["home_area_code"].to_pylist()
    screening = protocol.screening

    campaign = Campaign(tenant_id=tenant_id, area_id=tenant_id,
                        name=words["campaign"].format(
                            area=area_names[str(scenario.meta["region_code"])]))
    bulk.insert_models([campaign])
    rounds: dict[tuple[date, str], Round] = {}
    sites: dict[str, Site] = {}
    for day, population, code in zip(t["collection_date"], t["population"], t["area_code"],
                                     strict=True):
        day = day + shift
        if (day, population) not in rounds:
            rounds[day, population] = Round(
                tenant_id=tenant_id, campaign=campaign, area_id=tenant_id, day=day,
                kind=KINDS[population], closed=day < today)
        if code not in sites:
            sites[code] = Site(tenant_id=tenant_id, area_id=area_ids[code],
                               name=words["site"].format(area=area_names[code]), opens=OPENS,
                               closes=CLOSES, capacity_per_hour=0)
    bulk.insert_models(list(rounds.values()))
    bulk.insert_models(list(sites.values()))
    county_of = _counties(scenario)
    labs: dict[str, Lab] = {}  # county code -> its lab
    for code in sites:
        county = county_of[code]
        if county not in labs:
            labs[county] = Lab(tenant_id=tenant_id, area_id=area_ids[county],
                               name=words["lab"].format(area=area_names[county]))
    bulk.insert_models(list(labs.values()))

    # Tubes in order of site and day (the timeline is per site and day), as numpy columns.
    order = np.lexsort((np.asarray(t["tube"]), np.asarray(t["collection_date"]),
                        np.asarray(t["area_code"], dtype=object).astype(str)))
    n = order.size
    sim_tube = np.asarray(t["tube"], dtype=np.int64)[order]
    code_of = [t["area_code"][i] for i in order]
    day_of = [t["collection_date"][i] for i in order]
    population_of = [t["population"][i] for i in order]
    tube_ids = np.asarray(bulk.allocate_ids(Tube._meta.db_table, n), dtype=np.int64)

    # Members: the simulator lists them tube by tube in swab order; k = the tube's position.
    m_tube = np.asarray(members["tube"], dtype=np.int64)
    m_person = np.asarray(members["person"], dtype=np.int64)
    by_sim = np.argsort(sim_tube)
    found = np.isin(m_tube, sim_tube)
    m_tube, m_person = m_tube[found], m_person[found]
    m_k = by_sim[np.searchsorted(sim_tube[by_sim], m_tube)]
    db_person = np.asarray(person_ids, dtype=np.int64)
    home_ids = np.asarray([area_ids[code] for code in homes], dtype=np.int64)
    m_order = np.argsort(m_k, kind="stable")
    m_k, m_person = m_k[m_order], m_person[m_order]
    counts = np.bincount(m_k, minlength=n)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])

    collected = np.zeros(n)
    shipped = np.zeros(n)
    box_of = np.full(n, -1, dtype=np.int64)
    boxes: list[tuple[str, int, float]] = []  # (site code, site id, shipped at)
    start = 0
    while start < n:  # one site-day at a time
        key = (code_of[start], day_of[start])
        stop = start
        while stop < n and (code_of[stop], day_of[stop]) == key:
            stop += 1
        first, last = _day_window(key[1] + shift, now)
        count = stop - start
        collected[start:stop] = first + (last - first) * (np.arange(1, count + 1) / count)
        for b in range(start, stop, BOX_SIZE):
            e = min(b + BOX_SIZE, stop)
            shipped[b:e] = collected[e - 1] + SHIP_AFTER.total_seconds()
            box_of[b:e] = len(boxes)
            boxes.append((key[0], sites[key[0]].pk, shipped[b]))
        start = stop
    times = _timeline(collected, shipped)
    clock = now.timestamp()
    done = {step: at <= clock for step, at in times.items()}

    box_rows = []
    box_ids = np.full(len(boxes), -1, dtype=np.int64)
    for number, (code, site_id, at) in enumerate(boxes):
        if at > clock:  # not yet handed over: its tubes wait sealed at the site
            continue
        received = at + RECEIPT_HOURS * 3600
        box_rows.append(Box(
            tenant_id=tenant_id, area_id=area_ids[code], site_id=site_id,
            code=f"{scenario.meta['region_code']}-B{number + 1:07d}",
            status=BoxStatus.RECEIVED if received <= clock else BoxStatus.SHIPPED,
            shipped_at=_at(at), received_at=_at(received) if received <= clock else None,
            lab_id=labs[county_of[code]].pk if received <= clock else None))
    bulk.insert_models(box_rows)
    shipped_boxes = iter(box_rows)
    for number, (_code, _site, at) in enumerate(boxes):
        if at <= clock:
            box_ids[number] = next(shipped_boxes).pk
    tube_box = box_ids[box_of]

    round_ids = np.asarray([rounds[d + shift, p].pk for d, p in zip(day_of, population_of,
                                                                    strict=True)])
    site_ids = np.asarray([sites[code].pk for code in code_of], dtype=np.int64)
    site_areas = np.asarray([sites[code].area_id for code in code_of], dtype=np.int64)
    capacity_of = {population: rules.pool_capacity(
        getattr(screening.pool_size, POOL_RULE[kind]), screening.max_pool_size)
        for population, kind in KINDS.items()}
    capacity = np.maximum(counts, [capacity_of[p] for p in population_of])
    members_db = db_person[m_person]
    content = [rules.content_fingerprint(int(round_ids[k]), int(site_ids[k]),
                                         members_db[starts[k]:starts[k] + counts[k]].tolist())
               for k in range(n)]
    positive = np.asarray(t["positive"], dtype=bool)[order]
    resulted = done["resulted"]
    status = np.select([resulted, done["received"], done["shipped"]],
                       [TubeStatus.RESULTED.value, TubeStatus.RECEIVED.value,
                        TubeStatus.SHIPPED.value], TubeStatus.SEALED.value)
    result = np.where(~resulted, "", np.where(positive, Result.POSITIVE.value,
                                              Result.NEGATIVE.value))
    region = scenario.meta["region_code"]
    columns = {
        "id": pa.array(tube_ids), "tenant_id": pa.array(np.full(n, tenant_id)),
        "area_id": pa.array(site_areas), "barcode": pa.array([f"{region}-T{s:09d}"
                                                              for s in sim_tube.tolist()]),
        "round_id": pa.array(round_ids), "site_id": pa.array(site_ids),
        "box_id": pa.array(tube_box, mask=tube_box < 0),
        "capacity": pa.array(capacity), "members_count": pa.array(counts),
        "retest": pa.array(np.zeros(n, dtype=bool)), "content": pa.array(content),
        "status": pa.array(status.tolist()), "result": pa.array(result.tolist())}
    for step, column in (("collected", "collected_at"), ("collected", "sealed_at"),
                         ("shipped", "shipped_at"), ("received", "received_at"),
                         ("resulted", "resulted_at"), ("reported", "reported_at")):
        micros = (times[step] * 1_000_000).astype(np.int64)
        columns[column] = pa.array(micros, type=pa.timestamp("us", tz="UTC"),
                                   mask=~done[step])
    bulk.write_columns(Tube._meta.db_table, pa.table(columns))
    bulk.write_columns(TubeMember._meta.db_table, pa.table({
        "tenant_id": pa.array(np.full(m_k.size, tenant_id)), "area_id": pa.array(
            home_ids[m_person]), "tube_id": pa.array(tube_ids[m_k]),
        "round_id": pa.array(round_ids[m_k]), "person_id": pa.array(members_db),
        "retest": pa.array(np.zeros(m_k.size, dtype=bool))}))

    # simulator tube -> (database tube, round) of the positive pools resulted by now
    pools = np.flatnonzero(positive & resulted & (counts > 1))
    resulted_positive = {int(sim_tube[k]): (int(tube_ids[k]), int(round_ids[k]))
                         for k in pools}
    recalls = []
    r = scenario["recalls"].to_pydict()
    for tube, person, result_day, positive in zip(r["tube"], r["person"], r["result_date"],
                                                  r["positive"], strict=True):
        if tube not in resulted_positive:
            continue
        tube_id, round_id = resulted_positive[tube]
        in_ = result_day is not None and result_day + shift < today
        recalls.append(Recall(
            tenant_id=tenant_id, area_id=area_ids[homes[person]], person_id=person_ids[person],
            tube_id=tube_id, round_id=round_id, reason=RecallReason.POSITIVE_POOL,
            status=RecallStatus.RESULTED if in_ else RecallStatus.NOTIFIED,
            result=(Result.POSITIVE if positive else Result.NEGATIVE) if in_ else ""))
    bulk.insert_models(recalls)
    return ScreeningLoad(rounds=len(rounds), sites=len(sites), tubes=n,
                         members=int(m_k.size), boxes=len(box_rows),
                         recalls=len(recalls), labs=len(labs))


def _counties(scenario) -> dict[str, str]:
    """Each area's county (itself for a county; the region for the levels above)."""
    areas = scenario["areas"].to_pydict()
    parent = dict(zip(areas["code"], areas["parent_code"], strict=True))
    level = dict(zip(areas["code"], areas["level"], strict=True))
    county = {}
    for code in areas["code"]:
        at = code
        while level[at] != "county" and parent[at] is not None:
            at = parent[at]
        county[code] = at if level[at] == "county" else code
    return county


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(float(seconds), tz=UTC)
