"""A city's screening round end to end: N people (default 200,000; the issue's city is
`--people 4000000`) at 0.05 % prevalence in 10-in-1 pools, through our path: register every
sealed tube (services.submit_tubes, batches of 2,000 tubes), ship and receive the boxes,
record every tube's result (services.record_results), retest every recalled person in a single
tube and record those results, compute the round's coverage. Baseline in the same run: the same
rows (tubes, members, audit rows naming each person, recalls; not the retest tubes, 0.5 %
of the tubes, nor the case proposals) written with
core/bulk.py's raw path (executemany on SQLite, COPY on PostgreSQL) and the status changes as
raw set-based UPDATEs (one per 2,000 tubes), no checks, no ORM, committed (into a round of
its own). Prints each phase, the ratio, and the process's peak resident memory.

Runs with production settings (OUTBREAKHQ_DEBUG=0, as `outbreakhq serve`): with DEBUG on,
Django logs every statement with its parameters, and on SQLite quotes them with one more
`SELECT QUOTE(?), ...` query per execute(); our path runs many execute() calls with thousands
of parameters, the raw path mostly executemany (logged cheaply), so debug mode measured the
logging, not the code. `OUTBREAKHQ_DEBUG=1 ... screening_pipeline.py` measures it anyway.

    OUTBREAKHQ_DATA_DIR=$(mktemp -d) .venv/bin/python bench/screening_pipeline.py
    OUTBREAKHQ_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/screening_bench \
        .venv/bin/python bench/screening_pipeline.py --people 200000
    # the issue's city (long: tens of minutes on 2 cores):
    ... bench/screening_pipeline.py --people 4000000
    # the Shanghai day, 4 April 2022: 25,670,000 people in 2,430,000 tubes (hours, PostgreSQL)
    ... bench/screening_pipeline.py --shanghai
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
from array import array
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outbreakhq.settings")
os.environ.setdefault("OUTBREAKHQ_DEBUG", "0")  # production: see the docstring

TUBES_PER_BATCH = 2000
RAW_MEMBERS = 500_000


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_people(n: int, area) -> array:
    """The residents' ids as a compact array (8 bytes an id: 32 MB for the 4,000,000 city)."""
    from outbreakhq.core import bulk

    ids = array("q")
    for start in range(0, n, 100_000):
        rows = [bulk.PersonRow(name=f"Resident {i}", sex="U", birth_date=None, id_type="none",
                               id_number="", phone="", home_area_id=area.pk,
                               address=f"Building {i // 400}")
                for i in range(start, min(n, start + 100_000))]
        ids.extend(bulk.insert_people(rows, tenant_id=area.tenant_id))
    return ids


class Layout:
    """Which residents go into which tube, without a list of all tubes: consecutive residents,
    the first `big` tubes of `2 * pool`, the rest of `pool` (the Shanghai day's 25.67 million
    people in 2.43 million tubes is 137,000 tubes of 20 and 2,293,000 of 10)."""

    def __init__(self, people: int, pool: int, tubes: int | None = None) -> None:
        self.people, self.pool = people, pool
        self.tubes = tubes or (people + pool - 1) // pool
        self.big = -(-max(0, people - pool * self.tubes) // pool)  # tubes of 2 pools
        if not pool * (self.tubes - 1) < people <= 2 * pool * self.tubes:
            raise SystemExit(f"{people:,} people do not fill {self.tubes:,} tubes of "
                             f"{pool} to {2 * pool}")

    def start(self, k: int) -> int:
        if k < self.big:
            return k * 2 * self.pool
        return min(self.people, self.big * 2 * self.pool + (k - self.big) * self.pool)

    def members(self, ids: array, k: int) -> list[int]:
        """The people of tube k."""
        return ids[self.start(k):self.start(k + 1)].tolist()

    def tube_of(self, i: int) -> int:
        """The tube of the i-th resident."""
        edge = self.big * 2 * self.pool
        return i // (2 * self.pool) if i < edge else self.big + (i - edge) // self.pool

    @property
    def largest(self) -> int:
        return 2 * self.pool if self.big else self.pool


def our_path(screen, ids: array, infected: set[int], layout: Layout) -> dict:
    """Only the service calls are timed: the rows a site or a lab would send (the personal codes
    the sites scanned, the barcodes, the results) are built per batch outside the clock, so that
    nothing of the whole city is held in memory at once."""
    from outbreakhq.core.actor import Actor
    from outbreakhq.screening import services, worklists

    operator, lab = Actor.for_command(screen["operator"]), Actor.for_command(screen["lab"])
    site, round_ = screen["site"], screen["round"]
    times = dict.fromkeys(("register samples", "ship and receive", "record results",
                           "recalls and retests", "coverage"), 0.0)
    n_tubes = layout.tubes
    code_of = services.code_of

    def timed(phase, call, *args, **kwargs):
        started = time.perf_counter()
        result = call(*args, **kwargs)
        times[phase] += time.perf_counter() - started
        return result

    for start in range(0, n_tubes, TUBES_PER_BATCH):
        rows = [{"barcode": f"T{k:08d}", "site": site.pk, "round": round_.pk,
                 "members": [code_of(p) for p in layout.members(ids, k)]}
                for k in range(start, min(n_tubes, start + TUBES_PER_BATCH))]
        timed("register samples", services.submit_tubes, actor=operator, rows=rows)
    for start in range(0, n_tubes, TUBES_PER_BATCH):
        barcodes = [f"T{k:08d}" for k in range(start, min(n_tubes, start + TUBES_PER_BATCH))]
        timed("ship and receive", services.ship_box, actor=operator, site_id=site.pk,
              box_code=f"BOX{start}", barcodes=barcodes)
        timed("ship and receive", services.receive_box, actor=lab, box_code=f"BOX{start}")
    recalls = 0
    recalled: list[int] = []
    for start in range(0, n_tubes, TUBES_PER_BATCH):
        rows = []
        for k in range(start, min(n_tubes, start + TUBES_PER_BATCH)):
            members = layout.members(ids, k)
            positive = not infected.isdisjoint(members)
            if positive:
                recalled += members
            rows.append({"barcode": f"T{k:08d}",
                         "result": "positive" if positive else "negative"})
        recalls += timed("record results", services.record_results, actor=lab,
                         rows=rows).recalls
    for start in range(0, len(recalled), TUBES_PER_BATCH):
        rows = [{"barcode": f"R{n:08d}", "members": [code_of(person)], "site": site.pk,
                 "round": round_.pk, "retest": True}
                for n, person in enumerate(recalled[start:start + TUBES_PER_BATCH], start=start)]
        timed("recalls and retests", services.submit_tubes, actor=operator, rows=rows)
    positives = 0
    if recalled:
        barcodes = [f"R{n:08d}" for n in range(len(recalled))]
        timed("recalls and retests", services.ship_box, actor=operator, site_id=site.pk,
              box_code="RETESTS", barcodes=barcodes)
        timed("recalls and retests", services.receive_box, actor=lab, box_code="RETESTS")
        rows = [{"barcode": f"R{n:08d}", "result": "positive" if p in infected else "negative"}
                for n, p in enumerate(recalled)]
        positives = timed("recalls and retests", services.record_results, actor=lab,
                          rows=rows).positives
    coverage = timed("coverage", worklists.coverage, Actor.for_command(screen["planner"]),
                     round_)
    return {"times": times, "tubes": n_tubes, "recalls": recalls, "positives": positives,
            "sampled": coverage.sampled, "registered": coverage.registered}


def raw_path(screen, ids: array, infected: set[int], layout: Layout) -> float:
    """The same rows with core/bulk.py's raw writer and set-based UPDATEs, committed (the
    commit's WAL flush is part of the cost) into a round of their own."""
    from django.db import connection, transaction

    from outbreakhq.core import bulk
    from outbreakhq.core.models import AuditShown
    from outbreakhq.screening.models import Recall, Tube, TubeMember

    site, round_ = screen["site"], screen["raw_round"]
    area, now = site.area, datetime.now(UTC)
    n_tubes = layout.tubes
    positive_tubes = sorted({layout.tube_of(i) for i, p in enumerate(ids) if p in infected})
    started = time.perf_counter()
    with transaction.atomic():
        tube_ids = bulk.allocate_ids(Tube._meta.db_table, n_tubes)
        bulk._write(Tube._meta.db_table, (
            "id", "tenant_id", "area_id", "barcode", "round_id", "site_id", "capacity",
            "members_count", "retest", "content", "status", "collected_at", "sealed_at",
            "result"), ((tid, area.tenant_id, area.pk, f"X{k:08d}", round_.pk, site.pk,
                         layout.largest, layout.start(k + 1) - layout.start(k), False, "",
                         "sealed", now, now,
                         "") for k, tid in enumerate(tube_ids)))
        for first in range(0, len(ids), RAW_MEMBERS):  # ids of 500,000 at a time: memory
            chunk = ids[first:first + RAW_MEMBERS]
            member_ids = bulk.allocate_ids(TubeMember._meta.db_table, len(chunk))
            bulk._write(TubeMember._meta.db_table, (
                "id", "tenant_id", "area_id", "tube_id", "round_id", "person_id", "retest"),
                ((mid, area.tenant_id, area.pk, tube_ids[layout.tube_of(i)], round_.pk, pid, False)
                 for i, (mid, pid) in enumerate(zip(member_ids, chunk, strict=True),
                                                start=first)))
            del member_ids
        bulk._write(AuditShown._meta.db_table, ("event_id", "person_id", "tenant_id"),
                    ((screen["event"], pid, area.tenant_id) for pid in ids))
        positive = {tube_ids[k] for k in positive_tubes}
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
        recalled = [(tube_ids[k], p) for k in positive_tubes for p in layout.members(ids, k)]
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
    parser.add_argument("--tubes", type=int,
                        help="this many tubes (default: people / pool); more people than "
                             "pool x tubes go two pools to a tube, in a sealed-compound round "
                             "(the preset's household rule allows up to its largest pool, 20)")
    parser.add_argument("--shanghai", action="store_true",
                        help="4 April 2022: 25,670,000 people in 2,430,000 tubes")
    parser.add_argument("--profile", metavar="FILE",
                        help="write where our path spends its time to FILE (cProfile, slower)")
    args = parser.parse_args()
    if args.shanghai:
        args.people, args.tubes = 25_670_000, 2_430_000
    layout = Layout(args.people, args.pool, args.tubes)
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
    kind = "sealed_compound" if layout.big else "community"  # 20-in-1 needs the former
    screen["round"] = services.create_round(actor=Actor.for_command(planner), campaign=campaign,
                                            day=date.today(), kind=kind)
    screen["raw_round"] = services.create_round(actor=Actor.for_command(planner),
                                                campaign=campaign, day=date.today(), kind=kind)
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
    raw = raw_path(screen, ids, infected, layout)
    print(f"{'raw bulk path (same rows)':<28} {raw:8.2f} s")
    if args.profile:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        ours = profile.runcall(our_path, screen, ids, infected, layout)
        profile.dump_stats(args.profile)
        pstats.Stats(profile).sort_stats("tottime").print_stats(15)
    else:
        ours = our_path(screen, ids, infected, layout)
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
