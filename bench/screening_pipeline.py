"""A city's screening round end to end: N people (default 200,000; the issue's city is
`--people 4000000`) at 0.05 % prevalence in 10-in-1 pools, through our path: register every
sealed tube (services.submit_tubes, batches of 2,000 tubes), ship and receive the boxes,
record every tube's result (services.record_results), retest every recalled person in a single
tube and record those results, compute the round's coverage. Baseline in the same run: the same
rows (tubes, members, audit rows naming each person, recalls, retest tubes) written with
core/bulk.py's raw path (executemany on SQLite, COPY on PostgreSQL) and the status changes as
raw set-based UPDATEs (one per 2,000 tubes), no checks, no ORM, committed (into a round of
its own). Prints each phase, the ratio, and the process's peak resident memory.

    OUTBREAKHQ_DATA_DIR=$(mktemp -d) .venv/bin/python bench/screening_pipeline.py
    OUTBREAKHQ_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/screening_bench \
        .venv/bin/python bench/screening_pipeline.py --people 200000
    # the issue's city (long: tens of minutes on 2 cores):
    ... bench/screening_pipeline.py --people 4000000
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outbreakhq.settings")
os.environ.setdefault("OUTBREAKHQ_DEBUG", "1")

TUBES_PER_BATCH = 2000


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_people(n: int, area) -> list[int]:
    from outbreakhq.core import bulk

    ids: list[int] = []
    for start in range(0, n, 100_000):
        rows = [bulk.PersonRow(name=f"Resident {i}", sex="U", birth_date=None, id_type="none",
                               id_number="", phone="", home_area_id=area.pk,
                               address=f"Building {i // 400}")
                for i in range(start, min(n, start + 100_000))]
        ids += bulk.insert_people(rows, tenant_id=area.tenant_id)
    return ids


def our_path(screen, ids: list[int], infected: set[int], pool: int) -> dict:
    from outbreakhq.core.actor import Actor
    from outbreakhq.screening import services, worklists

    operator, lab = Actor.for_command(screen["operator"]), Actor.for_command(screen["lab"])
    site, round_ = screen["site"], screen["round"]
    times = {}
    tubes = [ids[i:i + pool] for i in range(0, len(ids), pool)]
    codes = {p: services.code_of(p) for p in ids}  # what the sites scanned: not timed
    started = time.perf_counter()
    for start in range(0, len(tubes), TUBES_PER_BATCH):
        rows = [{"barcode": f"T{start + j:08d}", "site": site.pk, "round": round_.pk,
                 "members": [codes[p] for p in members]}
                for j, members in enumerate(tubes[start:start + TUBES_PER_BATCH])]
        services.submit_tubes(actor=operator, rows=rows)
    times["register samples"] = time.perf_counter() - started
    started = time.perf_counter()
    for start in range(0, len(tubes), TUBES_PER_BATCH):
        barcodes = [f"T{k:08d}" for k in range(start, min(len(tubes), start + TUBES_PER_BATCH))]
        services.ship_box(actor=operator, site_id=site.pk, box_code=f"BOX{start}",
                          barcodes=barcodes)
        services.receive_box(actor=lab, box_code=f"BOX{start}")
    times["ship and receive"] = time.perf_counter() - started
    started = time.perf_counter()
    recalls = 0
    for start in range(0, len(tubes), TUBES_PER_BATCH):
        rows = [{"barcode": f"T{k:08d}",
                 "result": "positive" if infected.intersection(tubes[k]) else "negative"}
                for k in range(start, min(len(tubes), start + TUBES_PER_BATCH))]
        recalls += services.record_results(actor=lab, rows=rows).recalls
    times["record results"] = time.perf_counter() - started
    started = time.perf_counter()
    recalled = [p for members in tubes if infected.intersection(members) for p in members]
    for start in range(0, len(recalled), TUBES_PER_BATCH):
        services.submit_tubes(actor=operator, rows=[
            {"barcode": f"R{n:08d}", "members": [codes[person]], "site": site.pk,
             "round": round_.pk, "retest": True}
            for n, person in enumerate(recalled[start:start + TUBES_PER_BATCH], start=start)])
    if recalled:
        barcodes = [f"R{n:08d}" for n in range(len(recalled))]
        services.ship_box(actor=operator, site_id=site.pk, box_code="RETESTS", barcodes=barcodes)
        services.receive_box(actor=lab, box_code="RETESTS")
        positives = services.record_results(actor=lab, rows=[
            {"barcode": f"R{n:08d}", "result": "positive" if p in infected else "negative"}
            for n, p in enumerate(recalled)]).positives
    else:
        positives = 0
    times["recalls and retests"] = time.perf_counter() - started
    started = time.perf_counter()
    coverage = worklists.coverage(Actor.for_command(screen["planner"]), round_)
    times["coverage"] = time.perf_counter() - started
    return {"times": times, "tubes": len(tubes), "recalls": recalls, "positives": positives,
            "sampled": coverage.sampled, "registered": coverage.registered}


def raw_path(screen, ids: list[int], infected: set[int], pool: int) -> float:
    """The same rows with core/bulk.py's raw writer and set-based UPDATEs, committed (the
    commit's WAL flush is part of the cost) into a round of their own."""
    from django.db import connection, transaction

    from outbreakhq.core import bulk
    from outbreakhq.core.models import AuditShown
    from outbreakhq.screening.models import Recall, Tube, TubeMember

    site, round_ = screen["site"], screen["raw_round"]
    area, now = site.area, datetime.now(UTC)
    tubes = [ids[i:i + pool] for i in range(0, len(ids), pool)]
    started = time.perf_counter()
    with transaction.atomic():
        tube_ids = bulk.allocate_ids(Tube._meta.db_table, len(tubes))
        bulk._write(Tube._meta.db_table, (
            "id", "tenant_id", "area_id", "barcode", "round_id", "site_id", "capacity",
            "members_count", "retest", "content", "status", "collected_at", "sealed_at",
            "result"), ((tid, area.tenant_id, area.pk, f"X{k:08d}", round_.pk, site.pk,
                         pool, len(m), False, "", "sealed", now, now, "")
                        for k, (tid, m) in enumerate(zip(tube_ids, tubes, strict=True))))
        member_ids = bulk.allocate_ids(TubeMember._meta.db_table, len(ids))
        bulk._write(TubeMember._meta.db_table, (
            "id", "tenant_id", "area_id", "tube_id", "round_id", "person_id", "retest"),
            ((mid, area.tenant_id, area.pk, tube_ids[i // pool], round_.pk, pid, False)
             for i, (mid, pid) in enumerate(zip(member_ids, ids, strict=True))))
        bulk._write(AuditShown._meta.db_table, ("event_id", "person_id", "tenant_id"),
                    ((screen["event"], pid, area.tenant_id) for pid in ids))
        positive = {t for t, m in zip(tube_ids, tubes, strict=True)
                    if infected.intersection(m)}
        with connection.cursor() as cursor:  # set-based: one UPDATE per 2,000 tubes
            for start in range(0, len(tube_ids), 2000):
                chunk = tube_ids[start:start + 2000]
                marks = ", ".join(["%s"] * len(chunk))
                for status in ("shipped", "received"):
                    cursor.execute(f"UPDATE {Tube._meta.db_table} SET status = %s "
                                   f"WHERE id IN ({marks})", [status, *chunk])
                for result in ("positive", "negative"):
                    ids_ = [t for t in chunk if (t in positive) == (result == "positive")]
                    if ids_:
                        cursor.execute(
                            f"UPDATE {Tube._meta.db_table} SET status = 'resulted', "
                            f"result = %s WHERE id IN ({', '.join(['%s'] * len(ids_))})",
                            [result, *ids_])
        recalled = [(t, p) for t, m in zip(tube_ids, tubes, strict=True)
                    if infected.intersection(m) for p in m]
        recall_ids = bulk.allocate_ids(Recall._meta.db_table, len(recalled))
        bulk._write(Recall._meta.db_table, (
            "id", "tenant_id", "area_id", "person_id", "tube_id", "round_id", "reason",
            "status", "result", "created_at", "updated_at"),
            ((rid, area.tenant_id, area.pk, p, t, round_.pk, "positive_pool", "resulted",
              "positive" if p in infected else "negative", now, now)
             for rid, (t, p) in zip(recall_ids, recalled, strict=True)))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--prevalence", type=float, default=0.0005)
    parser.add_argument("--pool", type=int, default=10)
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from outbreakhq.core import audit
    from outbreakhq.core.actor import Actor
    from outbreakhq.screening import services
    from tests.factories import make_user, territory

    call_command("migrate", verbosity=0)
    tag = time.time_ns()
    land = territory() if not _has_territory() else _territory()
    planner = make_user("commander", land.region, username=f"plan-{tag}")
    screen = {"planner": planner, "operator": make_user("screening", land.county1,
                                                        username=f"op-{tag}"),
              "lab": make_user("lab", land.pref1, username=f"lab-{tag}")}
    campaign = services.create_campaign(actor=Actor.for_command(planner), name=f"Bench {tag}",
                                        area_code=land.compound1.code)
    screen["round"] = services.create_round(actor=Actor.for_command(planner), campaign=campaign,
                                            day=date.today())
    screen["raw_round"] = services.create_round(actor=Actor.for_command(planner),
                                                campaign=campaign, day=date.today())
    screen["site"] = services.create_site(actor=Actor.for_command(planner), name="Bench site",
                                          area_code=land.compound1.code)
    screen["event"] = audit.record(actor=Actor.for_command(planner), action="create",
                                   object_type="bench").pk
    started = time.perf_counter()
    ids = make_people(args.people, land.compound1)
    print(f"{connection.vendor}: {args.people:,} people registered in "
          f"{time.perf_counter() - started:.1f} s; peak RSS {rss_mb():.0f} MB")
    rng = random.Random(7)
    infected = set(rng.sample(ids, max(1, round(args.people * args.prevalence))))
    raw = raw_path(screen, ids, infected, args.pool)
    print(f"{'raw bulk path (same rows)':<28} {raw:8.2f} s")
    ours = our_path(screen, ids, infected, args.pool)
    total = sum(ours["times"].values())
    for label, seconds in ours["times"].items():
        print(f"{label:<28} {seconds:8.2f} s")
    print(f"{'our path, total':<28} {total:8.2f} s = {total / raw:.2f}x the raw path; "
          f"{ours['tubes']:,} tubes, {ours['recalls']:,} recalls, {ours['positives']} "
          f"individual positives, coverage {ours['sampled']:,}/{ours['registered']:,}; "
          f"{args.people / total:,.0f} people a second; peak RSS {rss_mb():.0f} MB")


def _has_territory() -> bool:
    from outbreakhq.core.models import Area
    return Area.objects.filter(code="990000").exists()


def _territory():
    from outbreakhq.core.models import Area
    from tests.factories import Territory

    codes = ("990000", "990100", "990200", "990101", "990102", "990201", "990101001001001",
             "990102001001001", "990201001001001", "B99000", "B99010")
    return Territory(*(Area.objects.get(code=c) for c in codes))


if __name__ == "__main__":
    main()
