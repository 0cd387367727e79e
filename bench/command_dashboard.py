"""The command centre at scale: p50/p95 of a region's dashboard, a county's, the chart data,
the home page and the situation report (page and PDF) on a year of daily figures for 1,000
townships, against the page shell (API tokens) in the same run; then Rt (EpiEstim's
parametric-SI estimate) for 1,000 areas over 365 days, against the overall-infectivity
convolution alone.

    OUTBREAKHQ_DATA_DIR=$(mktemp -d) .venv/bin/python bench/command_dashboard.py
    OUTBREAKHQ_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/command_bench \
        .venv/bin/python bench/command_dashboard.py --cases 1000000

Dashboards read only the daily aggregates (command/models.py DailyFigure), never records of
people, so the records behind them are not made here: the table is filled directly with the
rows that `--cases` cases spread over `--areas` townships and `--days` days would give (one row
per township, day, detection route and under-control flag that has cases). The aims (issue 13):
dashboard under 500 ms at p95, report under 10 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("OUTBREAKHQ_DEBUG", "1")

ROUTES = ("clinic", "community_screening", "contact_tracing", "quarantine_testing", "inbound")


def fill(cases: int, townships: int, days: int) -> int:
    """A region of 10 prefectures, counties of 10 townships, and a year of figures."""
    import numpy as np
    from django.db import connection, transaction

    from outbreakhq.command import aggregates
    from outbreakhq.tracing.fields import today
    from tests.factories import make_area, make_user

    rng = np.random.default_rng(1)
    end = today()
    with transaction.atomic():
        region = make_area("R97", "region", name_en="Bench Region")
        make_user("commander", region, username="bench-region")
        leaves = []
        for p in range(10):
            pref = make_area(f"P97{p:02d}", "prefecture", region)
            for c in range(max(1, townships // 100)):
                county = make_area(f"C97{p:02d}{c:02d}", "county", pref)
                for t in range(10):
                    leaves.append(make_area(f"T{county.code[1:]}{t:03d}", "township", county,
                                            population=50_000))
        # An epidemic wave over the year, spread unevenly over the townships.
        wave = np.exp(-((np.arange(days) - days * 0.6) / (days / 6)) ** 2)
        weight = rng.gamma(0.5, 1, len(leaves))
        expected = np.outer(weight / weight.sum(), wave / wave.sum()) * cases
        counts = rng.poisson(expected)
        found = {}
        for i, area in enumerate(leaves):
            for d in np.flatnonzero(counts[i]):
                day = end - timedelta(days=days - 1 - int(d))
                split = rng.multinomial(int(counts[i, d]), [0.35, 0.2, 0.2, 0.2, 0.05])
                for route, k in zip(ROUTES, split, strict=True):
                    under = int(k * 0.7) if route in ("contact_tracing",
                                                       "quarantine_testing") else 0
                    for flag, m in ((True, under), (False, int(k) - under)):
                        if m:
                            found[(area.id, day, route, flag)] = [m, m, 3 * m]
        # What aggregates.rebuild() writes from records: the rows and the subtree totals.
        written = aggregates._write(found)
        aggregates._write_totals(found)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return written


def timed(client, url: str, runs: int) -> tuple[float, float, float]:
    """First fetch, p50 and p95 in milliseconds."""
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    first, rest = times[0], sorted(times[1:])
    return first, statistics.median(rest), rest[min(len(rest) - 1, int(len(rest) * 0.95))]


def bench_rt(areas: int, days: int) -> None:
    import numpy as np

    from outbreakhq.epi.rt import discr_si, estimate_r, overall_infectivity

    rng = np.random.default_rng(2)
    wave = 50 * np.exp(-((np.arange(days) - days * 0.6) / (days / 6)) ** 2)
    series = rng.poisson(wave * rng.gamma(2, 0.5, (areas, 1)))
    w = discr_si(np.arange(days), 4.7, 2.9)
    started = time.perf_counter()
    for s in series:
        overall_infectivity(s.astype(float), w)
    base = time.perf_counter() - started
    for quantiles in (False, True):
        started = time.perf_counter()
        for s in series:
            estimate_r(s, si_mean=4.7, si_sd=2.9, quantiles=quantiles)
        spent = time.perf_counter() - started
        print(f"Rt, {areas} areas x {days} days, quantiles {'on ' if quantiles else 'off'}: "
              f"{spent:6.2f} s ({spent / areas * 1000:.2f} ms an area; "
              f"{spent / base:.0f} x the convolution alone, {base:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--areas", type=int, default=1000, help="townships")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--pdf-runs", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from outbreakhq.command.models import DailyFigure
    from outbreakhq.core.models import Area

    call_command("migrate", verbosity=0)
    if not DailyFigure.objects.exists():
        started = time.perf_counter()
        rows = fill(args.cases, args.areas, args.days)
        print(f"filled {rows:,} daily figure rows ({args.cases:,} cases, {args.areas} "
              f"townships, {args.days} days) in {time.perf_counter() - started:.0f} s")
    county = Area.objects.filter(level="county", code__startswith="C97").order_by("code").first()
    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.get(username="bench-region"))
    _first, p50, base = timed(client, "/tokens/", args.runs)
    print(f"{'page':44} {'first':>8} {'p50':>8} {'p95':>8} {'p95/base':>9}")
    print(f"{'/tokens/ (baseline: the page shell)':44} {'':>8} {p50:8.1f} {base:8.1f}")
    pages = ["/command/R97/", f"/command/{county.code}/", "/command/R97/data.json", "/",
             "/command/R97/sitrep/"]
    for page in pages:
        first, p50, p95 = timed(client, page, args.runs)
        print(f"{page:44} {first:8.1f} {p50:8.1f} {p95:8.1f} {p95 / base:9.1f}")
    first, p50, p95 = timed(client, "/command/R97/sitrep.pdf", args.pdf_runs)
    print(f"{'/command/R97/sitrep.pdf':44} {first:8.1f} {p50:8.1f} {p95:8.1f} "
          f"{p95 / base:9.1f}")
    bench_rt(args.areas, args.days)


if __name__ == "__main__":
    main()
