"""The chain summary's cost at region scale, without and with the database.

    .venv/bin/python bench/chains_summary.py                  # synthetic links, pure function
    OUTBREAKHQ_DATA_DIR=… .venv/bin/python bench/chains_summary.py --pages
        # also the chain page and its graph, summary not cached, on a scenario kept by
        # `bench/bench_tracing.py --db sqlite --keep` (its users bench-county, bench-region;
        # with `--db postgresql --keep`, set the OUTBREAKHQ_DATABASE_URL it prints too)

Synthetic: 108,036 cases numbered from 1, of which 36,408 are infected by an earlier case
drawn at random: a forest of 71,628 chains, the size of bench_tracing.py's region. Times are
the median and the 95th centile of `--runs` calls, in ms, after one warm-up call.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

CASES, LINKED = 108_036, 36_408


def timed(call, runs: int) -> str:
    call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(len(times) * 0.95) - 1)]
    return f"p50 {statistics.median(times):7.1f}  p95 {p95:7.1f} ms"


def synthetic(runs: int) -> None:
    from outbreakhq.epi.chains import summarise

    rng = np.random.default_rng(4)
    ids = np.arange(1, CASES + 1, dtype=np.int64)
    infectee = np.sort(rng.choice(ids[1:], LINKED, replace=False))
    infector = (rng.random(LINKED) * (infectee - 1)).astype(np.int64) + 1
    pairs = list(zip(infector.tolist(), infectee.tolist(), strict=True))
    cases = ids.tolist()
    summary = summarise(pairs, cases=cases)
    print(f"synthetic: {CASES:,} cases, {LINKED:,} links, {summary.count:,} chains")
    arrays = np.stack([infector, infectee], axis=1)
    print(f"  summarise(pairs as tuples, cases as a list)  "
          f"{timed(lambda: summarise(pairs, cases=cases), runs)}")
    print(f"  summarise(pairs as a numpy array, cases too) "
          f"{timed(lambda: summarise(arrays, cases=ids), runs)}")
    print(f"  summarise(…).as_dict()                       "
          f"{timed(lambda: summarise(arrays, cases=ids).as_dict(), runs)}")


def pages(runs: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outbreakhq.settings")
    os.environ.setdefault("OUTBREAKHQ_DEBUG", "1")
    os.environ.setdefault("OUTBREAKHQ_PROTOCOL", "who-generic")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bench.bench_tracing import USERS
    from outbreakhq.tracing import scope_chains as chains
    from outbreakhq.tracing.models import Case

    for who, username in USERS.items():
        client = Client(HTTP_HOST="localhost")
        user = get_user_model().objects.get(username=username)
        client.force_login(user)  # Client.login meets axes, which wants a request (issue 7)
        print(f"{who}: {Case.objects.visible_to(user).count():,} cases in scope")

        def cold(url: str, c=client):
            chains._RECENT.clear()
            assert c.get(url).status_code == 200

        def summary_only(u=user):
            chains._chains(Case.objects.visible_to(u))

        print(f"  scope summary (query + summarise)   {timed(summary_only, runs)}")
        print(f"  chain page, summary not cached      {timed(lambda: cold('/chains/'), runs)}")
        print(f"  chain page, cached                  "
              f"{timed(lambda c=client: c.get('/chains/'), runs)}")
        print(f"  graph JSON, summary not cached      "
              f"{timed(lambda: cold('/chains/graph.json'), runs)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--pages", action="store_true")
    args = parser.parse_args()
    synthetic(args.runs)
    if args.pages:
        pages(args.runs)


if __name__ == "__main__":
    main()
