"""Regrading 50,000 compounds after a day with 1,000 new infections and 200,000 results, and the
public list with 3,000 areas (issue 11): time and peak memory, SQLite or PostgreSQL.

    OUTBREAKHQ_DATA_DIR=$(mktemp -d) .venv/bin/python bench/zones_regrade.py
    OUTBREAKHQ_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/zones_bench \\
        .venv/bin/python bench/zones_regrade.py

Needs an empty, migrated database (`outbreakhq migrate`). The synthetic log: 14 days of 1,000
infections a day spread over the compounds, and on the last day 200,000 screening results
summarised as one all-resident round per compound screened (4 results a compound: 50,000
rounds, the 1,000 compounds with a new infection positive). Then the day after: 1,000 new
infections, no round (the incremental run of an ordinary day). Baseline: one plain scan of the
whole event log into Python tuples, in the same run. Prints median of --repeat runs, the ratio
to the baseline, and the peak RSS.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outbreakhq.settings")
os.environ.setdefault("OUTBREAKHQ_DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from outbreakhq.core import bulk  # noqa: E402
from outbreakhq.core.models import Area  # noqa: E402
from outbreakhq.zones import public  # noqa: E402
from outbreakhq.zones.clocks import in_force  # noqa: E402
from outbreakhq.zones.models import Designation, PublishedList, ZoneEvent  # noqa: E402
from outbreakhq.zones.services import designations  # noqa: E402

DAY = date(2022, 8, 20)
RESULTS_PER_ROUND = 4


def build(compounds: int, infections: int, history_days: int, seed: int) -> list[Area]:
    """A region > 50 counties > communities > compounds, and the event log."""
    rows = [bulk.AreaRow(code="BZ0000", parent_code=None, level="region", name_en="Bench",
                         name_zh="基准", population=0)]
    per_county = 1000
    for c in range(compounds // per_county):
        county = f"BZ{c + 1:04d}"
        rows.append(bulk.AreaRow(code=county, parent_code="BZ0000", level="county",
                                 name_en=f"County {c}", name_zh="", population=0))
        for k in range(per_county):
            rows.append(bulk.AreaRow(code=f"{county}{k:04d}", parent_code=county,
                                     level="compound", name_en=f"Compound {c}-{k}",
                                     name_zh="", population=400))
    with transaction.atomic():
        ids = bulk.insert_areas(rows)
    tenant = ids["BZ0000"]
    compound_ids = [pk for code, pk in ids.items() if len(code) == 10]
    rng = random.Random(seed)
    events = []
    for back in range(history_days, -1, -1):
        day = DAY - timedelta(days=back)
        for area in rng.sample(compound_ids, infections):
            events.append(ZoneEvent(tenant_id=tenant, area_id=area, day=day, kind="infection",
                                    ref="bench"))
    positive_today = {e.area_id for e in events if e.day == DAY}
    screened = compound_ids[: 200_000 // RESULTS_PER_ROUND]
    for area in screened:
        kind = "round_positive" if area in positive_today else "round_negative"
        events.append(ZoneEvent(tenant_id=tenant, area_id=area, day=DAY, kind=kind,
                                ref="bench round"))
    with transaction.atomic():
        bulk.insert_models(events)
    print(f"{len(compound_ids):,} compounds, {len(events):,} events "
          f"({infections:,} infections a day over {history_days + 1} days, "
          f"{len(screened):,} rounds from {len(screened) * RESULTS_PER_ROUND:,} results)")
    return compound_ids


def timed(work, repeat: int) -> tuple[float, object]:
    spent, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        spent.append(time.perf_counter() - start)
    return statistics.median(spent), result


def scan() -> int:
    return sum(1 for _row in ZoneEvent.objects.values_list("area_id", "day", "kind", "ref")
               .iterator(chunk_size=5000))


def approve_all() -> None:
    designations.approve_all_waiting(tenant_id=Area.objects.get(code="BZ0000").pk)


def list_of(n: int) -> None:
    """Keep `n` areas listed on DAY (high or medium in force), ending the others the day
    before."""
    listed = list(in_force(DAY).filter(grade__in=("high", "medium")).order_by("pk")
                  .values_list("pk", flat=True))
    drop = listed[n:]
    for chunk in range(0, len(drop), 5000):
        Designation.objects.filter(pk__in=drop[chunk:chunk + 5000]).update(
            until=DAY - timedelta(days=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compounds", type=int, default=50_000)
    parser.add_argument("--infections", type=int, default=1_000)
    parser.add_argument("--history-days", type=int, default=13)
    parser.add_argument("--list-areas", type=int, default=3_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"database: {connection.vendor}")
    compound_ids = build(args.compounds, args.infections, args.history_days, seed=11)
    base, rows = timed(scan, args.repeat)
    print(f"baseline scan   {base:8.3f} s  ({rows:,} events)")

    # Yesterday's grades are in force; today's regrade is the daily job being measured.
    designations.regrade(day=DAY - timedelta(days=1))
    approve_all()
    first, result = timed(lambda: designations.regrade(day=DAY), 1)
    print(f"regrade         {first:8.3f} s  ({first / base:.1f} × scan; {result.areas:,} areas "
          f"with a clock, {result.proposed:,} proposed)")
    again, result = timed(lambda: designations.regrade(day=DAY), args.repeat)
    print(f"regrade again   {again:8.3f} s  ({again / base:.1f} × scan; "
          f"{result.proposed:,} proposed)")

    # The next day: its 1,000 infections, no round. The run reads only the areas with a new
    # event or whose clock can move by itself that day (ClockWatch), not the whole log.
    approve_all()
    designations.regrade(day=DAY)  # the approvals are read once
    tenant = Area.objects.get(code="BZ0000").pk
    rng = random.Random(12)
    with transaction.atomic():
        bulk.insert_models([ZoneEvent(tenant_id=tenant, area_id=area, day=DAY + timedelta(days=1),
                                      kind="infection", ref="bench")
                            for area in rng.sample(compound_ids, args.infections)])
    nxt, result = timed(lambda: designations.regrade(day=DAY + timedelta(days=1)), 1)
    print(f"regrade next day {nxt:7.3f} s  ({nxt / base:.1f} × scan; {result.areas:,} areas read, "
          f"{result.proposed:,} proposed)")

    approve_all()
    list_of(args.list_areas)
    PublishedList.objects.all().delete()
    spent, published = timed(lambda: public.build(DAY), args.repeat)
    print(f"public list     {spent:8.3f} s  ({spent / base:.1f} × scan; "
          f"{len(published['areas']):,} areas)")
    frozen = public.publish(day=DAY)
    read, served = timed(lambda: public.current(DAY), args.repeat)
    print(f"public read     {read:8.3f} s  (the published list, as a public page reads it; "
          f"{len(served.content['areas']):,} areas)")
    csv_time, text = timed(lambda: public.as_csv(frozen), args.repeat)
    print(f"public CSV      {csv_time:8.3f} s  ({len(text) // 1024:,} KiB)")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")


if __name__ == "__main__":
    main()
