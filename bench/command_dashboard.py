"""The command centre at scale, from raw records: a region of 1,000 townships with `--cases`
cases (default 1,000,000), `--contacts` contacts (500,000) and `--results` screening results
(10,000,000 resulted tubes) over a year, written with core/bulk.py's raw path (COPY on
PostgreSQL, executemany on SQLite). Then:

1. `outbreakhq aggregates rebuild` from those records: time and peak memory, against a plain
   scan of the same tables (`SELECT count(*)` of cases and contacts) in the same run;
2. p50/p95 of the region's dashboard, a county's, the chart data, the home page and the
   situation report (page and PDF), against the page shell (API tokens) in the same run;
3. Rt (EpiEstim's parametric-SI estimate) for 1,000 areas over 365 days, against the
   overall-infectivity convolution alone.

    OUTBREAKHQ_DATA_DIR=$(mktemp -d) .venv/bin/python bench/command_dashboard.py --results 1000000
    createdb -h 127.0.0.1 -U postgres command_bench
    OUTBREAKHQ_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/command_bench \
        .venv/bin/python bench/command_dashboard.py

The aims (issue 13): dashboard under 500 ms at p95, report under 10 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("OUTBREAKHQ_DEBUG", "1")

ROUTES = ("clinic", "community_screening", "contact_tracing", "quarantine_testing", "inbound")
ROUTE_SHARE = (0.35, 0.2, 0.2, 0.2, 0.05)
CHUNK = 1_000_000


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _region(townships: int):
    from tests.factories import make_area, make_user

    region = make_area("R97", "region", name_en="Bench Region")
    make_user("commander", region, username="bench-region")
    leaves = []
    for p in range(10):
        pref = make_area(f"P97{p:02d}", "prefecture", region)
        for c in range(max(1, townships // 100)):
            county = make_area(f"C97{p:02d}{c:02d}", "county", pref, population=500_000)
            for t in range(10):
                leaves.append(make_area(f"T{county.code[1:]}{t:03d}", "township", county,
                                        population=50_000))
    return region, leaves


def _days_of(rng, n: int, days: int):
    """`n` day numbers (0 = a year ago) following an epidemic wave peaking at 60 % of the span."""
    import numpy as np

    wave = np.exp(-((np.arange(days) - days * 0.6) / (days / 6)) ** 2)
    return rng.choice(days, size=n, p=wave / wave.sum())


def _stamps(day0: datetime, day_numbers, hours):
    import numpy as np
    import pyarrow as pa

    micros = (np.datetime64(day0.replace(tzinfo=None), "us")
              + day_numbers.astype("timedelta64[D]") + (hours * 3600e6).astype("timedelta64[us]"))
    return pa.array(micros, type=pa.timestamp("us", tz="UTC"))


def fill(cases: int, contacts: int, results: int, townships: int, days: int) -> dict:
    """The region's people, cases, contacts and resulted tubes, written raw; seconds per table."""
    import numpy as np
    import pyarrow as pa
    from django.db import connection, transaction

    from outbreakhq.core import bulk
    from outbreakhq.core.models import Person
    from outbreakhq.screening.models import Campaign, Round, Site, Tube
    from outbreakhq.tracing.fields import today
    from outbreakhq.tracing.models import Case, Contact

    rng = np.random.default_rng(1)
    end = today()
    first = end - timedelta(days=days - 1)
    day0 = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
    spent = {}
    with transaction.atomic():
        region, leaves = _region(townships)
        tenant = region.id
        leaf_ids = np.array([a.id for a in leaves], dtype=np.int64)
        weight = rng.gamma(0.5, 1, len(leaves))
        weight /= weight.sum()

        began = time.perf_counter()
        people = cases + contacts
        home = leaf_ids[rng.choice(len(leaves), size=people, p=weight)]
        person_ids = np.array(bulk.allocate_ids(Person._meta.db_table, people), dtype=np.int64)
        now = pa.repeat(pa.scalar(datetime.now(UTC), type=pa.timestamp("us", tz="UTC")), 1)
        for at in range(0, people, CHUNK):
            n = min(CHUNK, people - at)
            stamp = pa.repeat(now[0], n)
            bulk.write_columns(Person._meta.db_table, pa.table({
                "id": person_ids[at:at + n], "tenant_id": pa.repeat(tenant, n),
                "name": pa.array([f"Bench Person {at + i}" for i in range(n)]),
                "sex": pa.repeat("U", n), "id_type": pa.repeat("none", n),
                "id_number": pa.repeat("", n), "phone": pa.repeat("", n),
                "home_area_id": home[at:at + n], "address": pa.repeat("", n),
                "created_at": stamp, "updated_at": stamp}))
        spent["people"] = time.perf_counter() - began

        began = time.perf_counter()
        reported = _days_of(rng, cases, days)
        route = rng.choice(len(ROUTES), size=cases, p=ROUTE_SHARE)
        under = (np.isin(route, (2, 3)) & (rng.random(cases) < 0.7))
        onset = reported - rng.integers(0, 5, cases)
        no_onset = rng.random(cases) < 0.3  # asymptomatic infections: no onset date
        for at in range(0, cases, CHUNK):
            n, sl = min(CHUNK, cases - at), slice(at, at + min(CHUNK, cases - at))
            stamp = pa.repeat(now[0], n)
            bulk.write_columns(Case._meta.db_table, pa.table({
                "tenant_id": pa.repeat(tenant, n), "area_id": home[sl],
                "person_id": person_ids[sl], "external_id": pa.repeat("", n),
                "classification": pa.array(np.where(no_onset[sl], "asymptomatic", "confirmed")),
                "onset_date": pa.array((np.datetime64(first) + onset[sl].astype(
                    "timedelta64[D]")).astype("datetime64[D]"), mask=no_onset[sl]),
                "report_date": pa.array((np.datetime64(first) + reported[sl].astype(
                    "timedelta64[D]")).astype("datetime64[D]")),
                "outcome": pa.repeat("active", n), "severity": pa.repeat("mild", n),
                "detection_route": pa.array(np.array(ROUTES)[route[sl]]),
                "source_external_id": pa.repeat("", n),
                "under_control_when_found": pa.array(under[sl]), "notes": pa.repeat("", n),
                "created_at": stamp, "updated_at": stamp}))
        spent["cases"] = time.perf_counter() - began

        began = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT id, report_date FROM "{Case._meta.db_table}" '
                           "WHERE tenant_id = %s ORDER BY id", [tenant])
            case_rows = cursor.fetchall()
        case_ids = np.array([r[0] for r in case_rows], dtype=np.int64)
        source = rng.integers(0, len(case_ids), contacts)
        traced = np.minimum(reported[source] + rng.integers(0, 3, contacts), days - 1)
        for at in range(0, contacts, CHUNK):
            n, sl = min(CHUNK, contacts - at), slice(at, at + min(CHUNK, contacts - at))
            person_at = slice(cases + at, cases + at + n)
            exposure = (np.datetime64(first) + traced[sl].astype("timedelta64[D]")
                        ).astype("datetime64[D]")
            bulk.write_columns(Contact._meta.db_table, pa.table({
                "tenant_id": pa.repeat(tenant, n), "area_id": home[person_at],
                "person_id": person_ids[person_at], "external_id": pa.repeat("", n),
                "source_case_id": case_ids[source[sl]], "category": pa.repeat("close", n),
                "contact_type": pa.repeat("household", n), "last_exposure": pa.array(exposure),
                "followup_start": pa.array(exposure),
                "followup_end": pa.array(exposure + np.timedelta64(7, "D")),
                "status": pa.repeat("completed", n),
                "created_at": _stamps(day0, traced[sl], np.full(n, 10.0)),
                "updated_at": pa.repeat(now[0], n)}))
        spent["contacts"] = time.perf_counter() - began

        began = time.perf_counter()
        campaign = Campaign.objects.create(tenant=region, area=region, name="Bench screening")
        rounds = Round.objects.bulk_create(
            [Round(tenant=region, campaign=campaign, area=region, day=first + timedelta(days=d))
             for d in range(days)])
        round_ids = np.array([r.id for r in rounds], dtype=np.int64)
        sites = Site.objects.bulk_create([Site(tenant=region, area=a, name=f"Site {a.code}")
                                          for a in leaves])
        site_ids = np.array([s.id for s in sites], dtype=np.int64)
        for at in range(0, results, CHUNK):
            n = min(CHUNK, results - at)
            day = _days_of(rng, n, days)
            leaf = rng.choice(len(leaves), size=n, p=weight)
            collected = rng.uniform(7, 18, n)
            received = collected + rng.gamma(2, 1.5, n)
            resulted = received + rng.gamma(3, 2, n)
            positive = rng.random(n) < 0.002
            bulk.write_columns(Tube._meta.db_table, pa.table({
                "tenant_id": pa.repeat(tenant, n), "area_id": leaf_ids[leaf],
                "barcode": pa.array([f"B{at + i:010d}" for i in range(n)]),
                "round_id": round_ids[day], "site_id": site_ids[leaf],
                "capacity": pa.repeat(10, n), "members_count": pa.repeat(10, n),
                "retest": pa.repeat(False, n), "content": pa.repeat("", n),
                "status": pa.repeat("resulted", n),
                "collected_at": _stamps(day0, day, collected),
                "sealed_at": _stamps(day0, day, collected),
                "received_at": _stamps(day0, day, received),
                "resulted_at": _stamps(day0, day, resulted),
                "result": pa.array(np.where(positive, "positive", "negative"))}))
        spent["results"] = time.perf_counter() - began
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return spent


def rebuild_against_a_scan() -> None:
    """`outbreakhq aggregates rebuild` (time, peak memory) against one grouped count of the
    same rows (cases by area and report date, contacts by area and day recorded): the least
    any rebuild from the records must read."""
    from django.core.management import call_command
    from django.db import connection

    from outbreakhq.tracing.models import Case, Contact

    began = time.perf_counter()
    with connection.cursor() as cursor:
        for model, day in ((Case, "report_date"), (Contact, "last_exposure")):
            cursor.execute(f'SELECT area_id, {day}, count(*) FROM "{model._meta.db_table}" '
                           "GROUP BY 1, 2")
            cursor.fetchall()
    scan = time.perf_counter() - began
    before = peak_mb()
    began = time.perf_counter()
    call_command("aggregates", "rebuild", stdout=open(os.devnull, "w"))  # noqa: SIM115
    took = time.perf_counter() - began
    print(f"aggregates rebuild: {took:.1f} s ({took / scan:.1f} x one grouped count of the "
          f"cases and contacts, {scan:.2f} s); peak RSS {peak_mb():.0f} MB (before "
          f"{before:.0f} MB)")


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


def timed_pdf(runs: int) -> tuple[float, float, float]:
    """The situation report's PDF as the task worker makes it (the page only queues it)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from outbreakhq.command import report
    from outbreakhq.core.actor import Actor
    from outbreakhq.core.models import Area

    actor = Actor.for_command(get_user_model().objects.get(username="bench-region"))
    region, today = Area.objects.get(code="R97"), timezone.localdate()
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        assert report.pdf(actor, region, today).startswith(b"%PDF")
        times.append((time.perf_counter() - started) * 1000)
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
    parser.add_argument("--contacts", type=int, default=500_000)
    parser.add_argument("--results", type=int, default=10_000_000)
    parser.add_argument("--areas", type=int, default=1000, help="townships")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--pdf-runs", type=int, default=3)
    parser.add_argument("--without-tiles", default="", metavar="APP[,APP]",
                        help="leave out other modules' overview tiles (e.g. screening, whose "
                             "tile counts today's tubes by scanning them) to time the rest")
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from outbreakhq.core.models import Area

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}; load: {os.getloadavg()[0]:.2f} (1 min)")
    if not Area.objects.filter(code="R97").exists():
        started = time.perf_counter()
        spent = fill(args.cases, args.contacts, args.results, args.areas, args.days)
        print(f"wrote {args.cases:,} cases, {args.contacts:,} contacts, {args.results:,} "
              f"resulted tubes ({args.areas} townships, {args.days} days) in "
              f"{time.perf_counter() - started:.0f} s: "
              + ", ".join(f"{k} {v:.0f} s" for k, v in spent.items()))
        rebuild_against_a_scan()
    if args.without_tiles:
        from outbreakhq.core import hooks

        left_out = tuple(f"{app}/" for app in args.without_tiles.split(","))
        hooks.TILES[:] = [t for t in hooks.TILES if not t.template.startswith(left_out)]
        print(f"overview tiles left out: {args.without_tiles}")
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
    first, p50, p95 = timed_pdf(args.pdf_runs)
    print(f"{'report PDF (the task worker: report.pdf)':44} {first:8.1f} {p50:8.1f} {p95:8.1f} "
          f"{p95 / base:9.1f}")
    bench_rt(args.areas, args.days)
    print(f"peak RSS {peak_mb():.0f} MB; load: {os.getloadavg()[0]:.2f} (1 min)")


if __name__ == "__main__":
    main()
