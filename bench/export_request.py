"""The request of an export queued to the task worker (issue 15): what it costs now that the task
writes the `export` audit event, against the request as it was (checks, count and the audit event
naming every person exported, INSERT … SELECT into AuditShown), measured in the same run.

    OUTBREAKHQ_DATA_DIR=$(mktemp -d) .venv/bin/python bench/export_request.py --contacts 50000
    OUTBREAKHQ_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/export_bench \
        .venv/bin/python bench/export_request.py --contacts 50000

The data is bench/tracing_export.py's (people, 1,000 cases, N contacts, one commander over the
region). Both paths run for the commander's whole contact list, alternating, best of 5; then
each once more under tracemalloc for the Python heap's peak. Prints seconds, the ratio and the
load average.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outbreakhq.settings")
os.environ.setdefault("OUTBREAKHQ_DEBUG", "1")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from bench.tracing_export import setup
    from outbreakhq.core.actor import Actor
    from outbreakhq.tracing import exporting

    started = time.perf_counter()
    setup(args.contacts)
    print(f"{connection.vendor}: database ready in {time.perf_counter() - started:.1f} s")
    actor = Actor.for_command(get_user_model().objects.get(username="bench-chief"))

    def before() -> int:  # the request until now: checks, count, the audit event
        return exporting.start_export(actor=actor, kind="contacts", fmt="csv")[1]

    def now() -> int:  # the request now: checks and count; the task audits
        return exporting.plan_export(actor=actor, kind="contacts", fmt="csv").count

    best = {"before": float("inf"), "now": float("inf")}
    rows = 0
    print(f"load average before: {os.getloadavg()}")
    for _ in range(args.repeat):
        for name, path in (("before", before), ("now", now)):
            t0 = time.perf_counter()
            rows = path()
            best[name] = min(best[name], time.perf_counter() - t0)
    peaks = {}
    for name, path in (("before", before), ("now", now)):
        tracemalloc.start()
        path()
        peaks[name] = tracemalloc.get_traced_memory()[1] / 2**10
        tracemalloc.stop()
    print(f"load average after: {os.getloadavg()}")
    for name in best:
        print(f"request of a queued export, {name:6}: {best[name]:.3f} s for {rows} rows, "
              f"heap peak {peaks[name]:.0f} KiB")
    print(f"ratio before/now: {best['before'] / max(best['now'], 1e-6):.1f}x")


if __name__ == "__main__":
    main()
