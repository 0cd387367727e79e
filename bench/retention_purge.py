"""The retention purge of a simulated city: a dry run, the purge and a second run, timed against
`simulate --load` of the same city (the baseline: simulating and writing the rows the purge
deletes).

    OUTBREAKHQ_DATA_DIR=$(mktemp -d) .venv/bin/python bench/retention_purge.py --population 200000
    OUTBREAKHQ_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/purge_bench \
        .venv/bin/python bench/retention_purge.py --population 200000

Needs an empty, migrated database (`outbreakhq migrate`). Prints each time, its ratio to the
load, the rows per kind and the peak RSS.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outbreakhq.settings")
os.environ.setdefault("OUTBREAKHQ_DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from outbreakhq.core import outbreaks, purge  # noqa: E402
from outbreakhq.core.actor import Actor  # noqa: E402
from outbreakhq.core.models import Area, Assignment  # noqa: E402
from outbreakhq.core.roles import Role  # noqa: E402


def timed(label: str, work, baseline: float | None = None):
    start = time.perf_counter()
    result = work()
    spent = time.perf_counter() - start
    ratio = f"  ({spent / baseline:.2f} × load)" if baseline else ""
    print(f"{label:<14}{spent:8.2f} s{ratio}", flush=True)
    return result, spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--population", type=int, default=200_000)
    parser.add_argument("--days", type=int, default=60)
    args = parser.parse_args()
    _, load = timed("load", lambda: call_command(
        "simulate", population=args.population, days=args.days, seed=7, load=True,
        stdout=StringIO(), stderr=StringIO()))
    root = Area.objects.roots().get()
    admin = get_user_model().objects.create_user("bench-admin")
    Assignment.objects.create(user=admin, role=Role.ADMIN, area=root)
    # Long enough ago that every kind but the audit trail is due.
    outbreaks.declare_outbreak_over(actor=Actor.of(admin), area=root,
                                    on=timezone.localdate() - timedelta(days=400))
    ([preview], _) = timed("dry run", lambda: purge.purge(dry_run=True), load)
    ([done], _) = timed("purge", lambda: purge.purge(), load)
    ([again], _) = timed("second purge", lambda: purge.purge(), load)
    assert done.counts == preview.counts and again.total == 0
    print("deleted", done.deleted)
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")


if __name__ == "__main__":
    main()
