"""Issue 4's benchmark: a simulated region of 1,000,000 people with about 100,000 cases and
500,000 contacts, loaded through the simulator's loader into SQLite and into PostgreSQL; then
p50/p95 of the tracing pages for a county tracer and a region commander (Django's test client,
in-process, a real logged-in session), and the export of every contact to CSV.

    .venv/bin/python bench/bench_tracing.py                 # both databases
    .venv/bin/python bench/bench_tracing.py --db sqlite --runs 30

Each database runs in its own subprocess (its own settings, its own peak RSS). PostgreSQL uses a
scratch database `outbreakhq_bench` on 127.0.0.1:5432 (user postgres), created and dropped here;
SQLite a temporary data folder. Each page is fetched once (the first, cold figure) and then
`--runs` times; the baseline is the raw SQL a list needs at least, through the database cursor,
in the same run: `SELECT … ORDER BY id DESC LIMIT 50` of the same table for the lists, every
(case, source) pair for the chains. The export reuses bench/tracing_export.py's measurement.

The scenario: who-generic protocol (every case traced, 14-day follow-up, no mass screening),
R0 2.5, 48 days, investigators finding 22 % of a case's place group and none of their building
(the simulator's `contact_find_share`, `building_contact_share`): about 5 contacts per case.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outbreakhq.settings")
os.environ.setdefault("OUTBREAKHQ_DEBUG", "1")

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_NAME = "outbreakhq_bench"
ASSUMPTIONS = {"contact_find_share": 0.22, "building_contact_share": 0.0}
PAGES = [  # (label, url, baseline)
    ("case list", "/cases/", "cases"),
    ("contact list", "/contacts/", "contacts"),
    ("due today: mine", "/followups/", "followups"),
    ("due today: everyone in scope", "/followups/?who=all", "followups"),
    ("chain page", "/chains/", "links"),
    ("chain graph JSON", "/chains/graph.json", "links"),
]
BASELINES = {
    "cases": "SELECT id, person_id, report_date FROM tracing_case ORDER BY id DESC LIMIT 50",
    "contacts": "SELECT id, person_id, last_exposure FROM tracing_contact "
                "ORDER BY id DESC LIMIT 50",
    "followups": "SELECT id, person_id, followup_end FROM tracing_contact "
                 "WHERE status = 'following' ORDER BY id DESC LIMIT 50",
    "links": "SELECT id, source_case_id FROM tracing_case",
}
USERS = {"county": "bench-county", "region": "bench-region"}


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load(args) -> dict:
    """Migrate, simulate and load; ANALYZE on PostgreSQL, as autovacuum would after a load."""
    from django.core.management import call_command
    from django.db import connection

    from outbreakhq.simulate.engine import Config, simulate
    from outbreakhq.wiring import scenario_loader as loader

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    scenario = simulate(Config(population=args.population, days=args.days, seed=args.seed,
                               r0=args.r0, protocol="who-generic", assumptions=ASSUMPTIONS))
    simulated = time.perf_counter() - started
    started = time.perf_counter()
    result = loader.load(scenario)
    loaded = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    t = result.tracing
    return {"people": result.people, "cases": t.cases, "linked_cases": t.linked_cases,
            "contacts": t.contacts, "followups": t.followups,
            "followups_recent_only": t.followups_recent_only, "simulate_s": round(simulated, 1),
            "load_s": round(loaded, 1), "rss_after_load_mb": round(rss_mb())}


def make_users() -> None:
    """A tracer of the first county (in its team, with a day's caseload), a region commander,
    and the commander bench/tracing_export.py exports as."""
    from outbreakhq.core.models import Area, Level
    from outbreakhq.tracing.scenario_load import join_county_team
    from tests.factories import make_user

    region = Area.objects.get(parent__isnull=True)
    county = Area.objects.filter(level=Level.COUNTY).order_by("path").first()
    join_county_team(make_user("tracer", county, username=USERS["county"]), county)
    make_user("commander", region, username=USERS["region"])
    make_user("commander", region, username="bench-chief")


def timed(fetch, runs: int) -> dict:
    """The first call apart, then p50 and p95 of `runs` calls, in milliseconds."""
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        fetch()
        times.append((time.perf_counter() - started) * 1000)
    rest = sorted(times[1:])
    return {"first": round(times[0], 1), "p50": round(statistics.median(rest), 1),
            "p95": round(rest[min(len(rest) - 1, round(len(rest) * 0.95) - 1)], 1)}


def baselines(runs: int) -> dict:
    from django.db import connection

    def query(sql: str):
        def run():
            with connection.cursor() as cursor:
                cursor.execute(sql)
                cursor.fetchall()
        return run

    return {name: timed(query(sql), runs) for name, sql in BASELINES.items()}


def fetch(client, url: str, *, cold: bool = False) -> None:
    from outbreakhq.tracing import scope_chains as chains

    if cold:  # the chains' per-process summary cache emptied: what a first view costs
        chains._RECENT.clear()
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)


def pages(runs: int) -> list[dict]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    rows = []
    for who, username in USERS.items():
        client = Client(HTTP_HOST="localhost")
        # force_login: since issue 7 the sign-in backend (axes) needs a request to count
        # attempts, which Client.login does not give it; the pages measured are the same.
        client.force_login(get_user_model().objects.get(username=username))
        for label, url, base in PAGES:
            rows.append({"user": who, "page": label, "base": base,
                         **timed(lambda c=client, u=url: fetch(c, u), runs)})
        rows.append({"user": who, "page": "chain page, summary not cached", "base": "links",
                     **timed(lambda c=client: fetch(c, "/chains/", cold=True), runs)})
    return rows


def export(env: dict) -> list[dict]:
    """bench/tracing_export.py's own measurement, a subprocess each (time, heap peak, RSS),
    started from this small process: Linux carries a parent's peak RSS into a forked child,
    so started from the loading process every export would report that process's peak."""
    found = []
    for what in ("scan", "csv"):
        out = subprocess.run([sys.executable, str(ROOT / "bench" / "tracing_export.py"),
                              "--measure", what], check=True, capture_output=True, text=True,
                             env=env)
        found.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return found


def child(args) -> None:
    import django

    django.setup()
    from django.db import connection

    result = {"db": connection.vendor, "load": load(args)}
    make_users()
    result["baselines"] = baselines(args.runs)
    result["pages"] = pages(args.runs)
    result["rss_after_pages_mb"] = round(rss_mb())
    print("RESULT " + json.dumps(result), flush=True)


def run_on(db: str, args) -> dict:
    env = {**os.environ, "OUTBREAKHQ_PROTOCOL": "who-generic"}
    env.pop("OUTBREAKHQ_DATABASE_URL", None)
    argv = [sys.executable, __file__, "--child", *sys.argv[1:]]
    with tempfile.TemporaryDirectory(prefix="bench-tracing-") as scratch:
        folder = tempfile.mkdtemp(prefix="bench-tracing-kept-") if args.keep else scratch
        env["OUTBREAKHQ_DATA_DIR"] = folder
        if db == "postgresql":
            import psycopg

            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")
                conn.execute(f"CREATE DATABASE {PG_NAME}")
            env["OUTBREAKHQ_DATABASE_URL"] = f"{PG_SERVER}/{PG_NAME}"
        try:
            out = subprocess.run(argv, env=env, capture_output=True, text=True)
            if out.returncode:
                sys.exit(f"the {db} run failed:\n{out.stderr[-3000:]}")
            exported = export(env)
        finally:
            if db == "postgresql" and not args.keep:
                with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
    if args.keep:
        print(f"kept: OUTBREAKHQ_DATA_DIR={folder}"
              + (f" OUTBREAKHQ_DATABASE_URL={PG_SERVER}/{PG_NAME}" if db == "postgresql" else ""))
    line = next(x for x in out.stdout.splitlines() if x.startswith("RESULT "))
    return {**json.loads(line[len("RESULT "):]), "export": exported}


def report(result: dict) -> None:
    db, ld, base = result["db"], result["load"], result["baselines"]
    print(f"\n## {db}: {ld['people']:,} people, {ld['cases']:,} cases ({ld['linked_cases']:,} "
          f"with a source), {ld['contacts']:,} contacts, {ld['followups']:,} follow-ups"
          f"{' (last 14 days only)' if ld['followups_recent_only'] else ''}; simulate "
          f"{ld['simulate_s']} s, load {ld['load_s']} s, peak RSS {ld['rss_after_load_mb']} MB "
          f"after the load, {result['rss_after_pages_mb']} MB after the pages")
    print(f"{'user':7} {'page':32} {'first':>8} {'p50':>8} {'p95':>8} {'base p50':>9} "
          f"{'p50/base':>9} {'p95<200':>8}")
    for row in result["pages"]:
        b = base[row["base"]]["p50"]
        print(f"{row['user']:7} {row['page']:32} {row['first']:8.1f} {row['p50']:8.1f} "
              f"{row['p95']:8.1f} {b:9.2f} {row['p50'] / max(b, 0.01):9.0f} "
              f"{'yes' if row['p95'] < 200 else 'NO':>8}")
    for name, t in base.items():
        print(f"{'':7} {'baseline: ' + name:32} {t['first']:8.1f} {t['p50']:8.1f} {t['p95']:8.1f}")
    scan, csv = result["export"]
    print(f"export of every contact to CSV: {csv['rows']:,} rows in {csv['seconds']} s "
          f"({csv['seconds'] / max(scan['seconds'], 0.01):.1f}x the plain scan's "
          f"{scan['seconds']} s), {csv['file_mb']} MB file, Python heap peak "
          f"{csv['heap_peak_mb']} MB, process peak RSS {csv['rss_peak_mb']} MB "
          f"(scan: {scan['rss_peak_mb']} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--population", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=48)
    parser.add_argument("--r0", type=float, default=2.5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true",
                        help="keep the PostgreSQL database afterwards (to EXPLAIN a slow page)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    for db in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        started = time.perf_counter()
        result = run_on(db, args)
        report(result)
        print(f"({db} run: {time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
