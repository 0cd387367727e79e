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
- One collection site per compound that sampled, open 07:00 to 19:00.
- Custody times, the same rule every day: the tubes of a site are collected evenly over its
  opening hours (today: from the opening, or twelve hours ago if later, until ten minutes ago);
  every BOX_SIZE tubes (and the site's last ones) leave in a box a quarter of an hour after its
  last tube, the box reaches the lab RECEIPT_HOURS later, its tubes are resulted RESULT_HOURS
  after that and reported REPORT_HOURS after that. A step whose time is not yet reached is not
  done: today's round is in progress (early tubes reported, then resulted, received, in
  transit, and the last ones sealed at the site waiting for their box).
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
from outbreakhq.screening import rules
from outbreakhq.screening.models import (
    POOL_RULE,
    Box,
    BoxStatus,
    Campaign,
    Exemption,
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


def delete_tenant(tenant_id: int) -> None:
    """Remove a tenant's screening rows (before its people and areas), set-based: children
    first, so that no foreign key is left dangling even where PostgreSQL checks them at once."""
    with connection.cursor() as cursor:
        for model in (Recall, Exemption, TubeMember, Tube, Box, Round, Site, Campaign):
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
    area_names = dict(zip(scenario["areas"]["code"].to_pylist(),
                          scenario["areas"]["name_en"].to_pylist(), strict=True))
    homes = scenario["persons"]["home_area_code"].to_pylist()
    screening = protocol.screening

    campaign = Campaign(tenant_id=tenant_id, area_id=tenant_id,
                        name=f"Screening of {area_names[str(scenario.meta['region_code'])]}")
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
                               name=f"{area_names[code]} collection point", opens=OPENS,
                               closes=CLOSES, capacity_per_hour=0)
    bulk.insert_models(list(rounds.values()))
    bulk.insert_models(list(sites.values()))

    # Members of each tube, in swab order (the simulator lists them so).
    members_of: dict[int, list[int]] = {}
    for tube, person in zip(members["tube"], members["person"], strict=True):
        members_of.setdefault(tube, []).append(person)

    # Tubes in order of site and day: the timeline is per site and day.
    order = sorted(range(len(t["tube"])),
                   key=lambda i: (t["area_code"][i], t["collection_date"][i], t["tube"][i]))
    n = len(order)
    tube_ids = bulk.allocate_ids(Tube._meta.db_table, n)
    collected = np.zeros(n)
    shipped = np.zeros(n)
    box_of = np.full(n, -1, dtype=np.int64)
    boxes: list[tuple[str, int, float]] = []  # (site code, site id, shipped at)
    start = 0
    while start < n:  # one site-day at a time
        i0 = order[start]
        key = (t["area_code"][i0], t["collection_date"][i0])
        stop = start
        while stop < n and (t["area_code"][order[stop]], t["collection_date"][order[stop]]) == key:
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
    box_ids: list[int | None] = []
    for number, (code, site_id, at) in enumerate(boxes):
        if at > clock:  # not yet handed over: its tubes wait sealed at the site
            box_ids.append(None)
            continue
        received = at + RECEIPT_HOURS * 3600
        box = Box(tenant_id=tenant_id, area_id=area_ids[code], site_id=site_id,
                  code=f"{scenario.meta['region_code']}-B{number + 1:07d}",
                  status=BoxStatus.RECEIVED if received <= clock else BoxStatus.SHIPPED,
                  shipped_at=_at(at), received_at=_at(received) if received <= clock else None)
        box_rows.append(box)
        box_ids.append(None)
    bulk.insert_models(box_rows)
    shipped_boxes = iter(box_rows)
    for number, (_code, _site, at) in enumerate(boxes):
        if at <= clock:
            box_ids[number] = next(shipped_boxes).pk

    rows: dict[str, list] = {name: [] for name in (
        "id", "tenant_id", "area_id", "barcode", "round_id", "site_id", "box_id", "capacity",
        "members_count", "retest", "content", "status", "collected_at", "sealed_at",
        "shipped_at", "received_at", "resulted_at", "reported_at", "result")}
    member_rows: dict[str, list] = {name: [] for name in (
        "tenant_id", "area_id", "tube_id", "round_id", "person_id", "retest")}
    # simulator tube -> (database tube, round) of the positive pools resulted by now
    resulted_positive: dict[int, tuple[int, int]] = {}
    region = scenario.meta["region_code"]
    for k, i in enumerate(order):
        sim_tube, population, code = t["tube"][i], t["population"][i], t["area_code"][i]
        round_ = rounds[t["collection_date"][i] + shift, population]
        site = sites[code]
        people = [person_ids[p] for p in members_of[sim_tube]]
        rule = getattr(screening.pool_size, POOL_RULE[KINDS[population]])
        capacity = max(len(people), rules.pool_capacity(rule, screening.max_pool_size))
        status = (TubeStatus.RESULTED if done["resulted"][k] else TubeStatus.RECEIVED
                  if done["received"][k] else TubeStatus.SHIPPED if done["shipped"][k]
                  else TubeStatus.SEALED)
        positive = bool(t["positive"][i])
        rows["id"].append(tube_ids[k])
        rows["tenant_id"].append(tenant_id)
        rows["area_id"].append(site.area_id)
        rows["barcode"].append(f"{region}-T{sim_tube:09d}")
        rows["round_id"].append(round_.pk)
        rows["site_id"].append(site.pk)
        rows["box_id"].append(box_ids[box_of[k]])
        rows["capacity"].append(capacity)
        rows["members_count"].append(len(people))
        rows["retest"].append(False)
        rows["content"].append(rules.content_fingerprint(round_.pk, site.pk, people))
        rows["status"].append(str(status))
        for step, column in (("collected", "collected_at"), ("collected", "sealed_at"),
                             ("shipped", "shipped_at"), ("received", "received_at"),
                             ("resulted", "resulted_at"), ("reported", "reported_at")):
            rows[column].append(_at(times[step][k]) if done[step][k] else None)
        rows["result"].append((Result.POSITIVE if positive else Result.NEGATIVE)
                              if done["resulted"][k] else "")
        if positive and done["resulted"][k] and len(people) > 1:
            resulted_positive[sim_tube] = (tube_ids[k], round_.pk)
        for person in members_of[sim_tube]:
            member_rows["tenant_id"].append(tenant_id)
            member_rows["area_id"].append(area_ids[homes[person]])
            member_rows["tube_id"].append(tube_ids[k])
            member_rows["round_id"].append(round_.pk)
            member_rows["person_id"].append(person_ids[person])
            member_rows["retest"].append(False)
    stamp = pa.timestamp("us", tz="UTC")
    bulk.write_columns(Tube._meta.db_table, pa.table({
        name: pa.array(values, type=stamp) if name.endswith("_at") else pa.array(values)
        for name, values in rows.items()}))
    bulk.write_columns(TubeMember._meta.db_table, pa.table(member_rows))

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
                         members=len(member_rows["person_id"]), boxes=len(box_rows),
                         recalls=len(recalls))


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(float(seconds), tz=UTC)
