"""Residents' support under load: the community worker's queue over 100,000 open requests in a
city, while the public form takes 1,000 submissions a minute; p50/p95 of the queue and of a
submission, and the share of urgent requests that stay at the top of the queue.

    OUTBREAKHQ_DATA_DIR=$(mktemp -d) .venv/bin/python bench/support_queue.py
    OUTBREAKHQ_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/support_bench \
        .venv/bin/python bench/support_queue.py --requests 100000

The database is migrated and filled once (bulk inserts: 1 % medical kinds, 4 % high, the rest
food and other, received over the last two days, so many are overdue). Pages go in-process
through Django's test client (no network), after a warm-up fetch. The flood posts the public
form from 200 client addresses (5 each, under the per-address limit), paced at `--rate` a
minute; after every 10 submissions the queue is read and the share of urgent requests among its
first rows (as many as there are urgent open requests, at most 50) is recorded: 100 % means no
urgent request is ever pushed down by the flood. Before timing, the overdue requests of the
filled city are escalated (timed apart: a city that never ran the escalation) and, on
PostgreSQL, the table is analysed as autovacuum would. Baseline: the lightest page of the shell
(API tokens), in the same run.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("OUTBREAKHQ_DEBUG", "1")

KINDS = (["dialysis"] * 1 + ["chronic_medicine"] * 4 + ["food"] * 80 + ["other"] * 15)


def fill(count: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from outbreakhq.support import rules
    from outbreakhq.support.models import SupportRequest
    from outbreakhq.support.services.requests import hash_code
    from tests.factories import make_user, territory

    rng = random.Random(1)
    now = timezone.now()
    with transaction.atomic():
        land = territory()
        communities = [land.compound1.parent, land.compound2.parent, land.compound3.parent]
        make_user("community", land.region, username="bench-city")
        rows = []
        for i in range(count):
            kind = KINDS[rng.randrange(len(KINDS))]
            answers = {"medicine_days_left": 1} if kind == "chronic_medicine" else {}
            triage = rules.triage(kind, answers)
            received = now - timedelta(minutes=rng.randrange(48 * 60))
            area = communities[i % 3]
            rows.append(SupportRequest(
                tenant_id=land.region.pk, area=area, kind=kind, answers=answers,
                urgency=triage.urgency, urgency_rank=triage.rank, name=f"R{i}",
                address="Building 1", phone=f"1{i:010d}", reference=f"B{i:07d}",
                code_hash=hash_code(f"B{i:07d}", "12345678"), source="hotline",
                received_at=received,
                deadline=rules.deadline(received, triage.urgency, rules.DEFAULT_DEADLINES)))
        SupportRequest.objects.bulk_create(rows, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def timed(client, url: str, runs: int) -> list[float]:
    client.get(url)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        answer = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (url, answer.status_code)
    return times


def urgent_share(actor) -> float:
    """Share of urgent requests among the queue's first rows (as many as urgent are open)."""
    from outbreakhq.support import worklists

    page = worklists.queue(actor=actor)
    top = min(page.urgent_open, len(page.rows))
    if top == 0:
        return 1.0
    return sum(r.urgency == "urgent" for r in page.rows[:top]) / top


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=1000, help="submissions a minute (0: flat out)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from outbreakhq.core.actor import Actor
    from outbreakhq.core.models import Area
    from outbreakhq.support.models import SupportRequest
    from outbreakhq.support.services import escalate_overdue

    call_command("migrate", verbosity=0)
    if not SupportRequest.objects.exists():
        started = time.perf_counter()
        fill(args.requests)
        print(f"filled {args.requests} open requests in {time.perf_counter() - started:.0f} s")
    started, escalated = time.perf_counter(), 0
    while count := escalate_overdue():
        escalated += count
    print(f"escalated {escalated} overdue requests in {time.perf_counter() - started:.1f} s "
          "(10,000 per call)")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE support_supportrequest")  # as autovacuum would
    user = get_user_model().objects.get(username="bench-city")
    actor = Actor.for_command(user)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    base = timed(client, "/tokens/", args.runs)
    queue = timed(client, "/support/", args.runs)
    print(f"open requests: {SupportRequest.objects.filter(is_open=True).count()}")
    print(f"{'page':40} {'p50 ms':>8} {'p95 ms':>8} {'p95/base':>9}")
    print(f"{'/tokens/ (baseline: the page shell)':40} {statistics.median(base):8.1f} "
          f"{percentile(base, .95):8.1f}")
    print(f"{'/support/ (queue, first page)':40} {statistics.median(queue):8.1f} "
          f"{percentile(queue, .95):8.1f} {percentile(queue, .95) / percentile(base, .95):9.1f}")

    cache.clear()
    communities = list(Area.objects.filter(level="community").values_list("code", flat=True))
    rng = random.Random(2)
    public = [Client(HTTP_HOST="localhost", REMOTE_ADDR=f"10.1.{i // 250}.{i % 250}")
              for i in range(200)]
    submit_times, queue_times, shares, statuses = [], [], [], {}
    interval = 60 / args.rate if args.rate else 0
    started = time.perf_counter()
    for i in range(args.submissions):
        due = started + i * interval
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        kind = "dialysis" if rng.random() < 0.05 else rng.choice(["food", "food", "other"])
        form = {"kind": kind, "name": f"Flood {i}", "area": rng.choice(communities),
                "address": "Building 9", "phone": f"139{i:08d}"}
        t0 = time.perf_counter()
        answer = public[i % len(public)].post("/public/support/", form)
        submit_times.append((time.perf_counter() - t0) * 1000)
        statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
        if i % 10 == 9:
            t0 = time.perf_counter()
            assert client.get("/support/").status_code == 200
            queue_times.append((time.perf_counter() - t0) * 1000)
            shares.append(urgent_share(actor))
    elapsed = time.perf_counter() - started
    print(f"flood: {args.submissions} submissions in {elapsed:.1f} s "
          f"({args.submissions / elapsed * 60:.0f}/min), answers {statuses}")
    print(f"{'public submission':40} {statistics.median(submit_times):8.1f} "
          f"{percentile(submit_times, .95):8.1f}")
    print(f"{'/support/ during the flood':40} {statistics.median(queue_times):8.1f} "
          f"{percentile(queue_times, .95):8.1f}")
    print(f"urgent share at the top of the queue: min {min(shares):.0%}, "
          f"mean {statistics.mean(shares):.0%} over {len(shares)} reads")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
