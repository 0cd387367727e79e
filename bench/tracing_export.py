"""Export of N contacts (default 100,000) to CSV and XLSX: time and peak memory, against a plain
scan of the same rows measured in the same run.

    OUTBREAKHQ_DATA_DIR=$(mktemp -d) .venv/bin/python bench/tracing_export.py --contacts 100000
    (add --pseudonymised to time the analysts' pseudonymised CSV too)
    OUTBREAKHQ_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/export_bench \
        .venv/bin/python bench/tracing_export.py --contacts 100000

The database is migrated and filled once (people, 1,000 cases, N contacts, bulk inserts); each
measurement then runs in its own subprocess, which reports its wall time, the Python heap's peak
during the export (tracemalloc, in a second pass so that tracing does not slow the timed one) and
the process's peak resident memory (ru_maxrss). The baseline is the same scoped query iterated
and thrown away: the ratio says what writing the file costs on top of reading the rows.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outbreakhq.settings")
os.environ.setdefault("OUTBREAKHQ_DEBUG", "1")


def setup(contacts: int) -> None:
    from django.core.management import call_command
    from django.db import transaction

    from outbreakhq.core.models import Person
    from outbreakhq.tracing.models import Case, Contact
    from tests.factories import make_user, territory

    call_command("migrate", verbosity=0)
    if Contact.objects.count() >= contacts:
        return
    with transaction.atomic():
        land = territory()
        make_user("commander", land.region, username="bench-chief")
        areas = [land.compound1, land.compound2, land.compound3]
        people = Person.objects.bulk_create(
            [Person(tenant_id=land.region.pk, name=f"Person {i}", sex="MF"[i % 2],
                    birth_date=date(1960, 1, 1) + timedelta(days=i % 15000), id_type="other",
                    id_number=f"B{i:09d}", phone=f"1700{i:07d}", home_area=areas[i % 3])
             for i in range(contacts + 1000)], batch_size=5000)
        today = date.today()
        cases = Case.objects.bulk_create(
            [Case(tenant_id=land.region.pk, area=p.home_area, person=p, external_id=f"C{i}",
                  classification="confirmed", report_date=today - timedelta(days=i % 30),
                  detection_route="clinic") for i, p in enumerate(people[:1000])],
            batch_size=5000)
        Contact.objects.bulk_create(
            [Contact(tenant_id=land.region.pk, area=p.home_area, person=p, external_id=f"K{i}",
                     source_case=cases[i % 1000], category="close_contact",
                     contact_type="household", last_exposure=today - timedelta(days=i % 10),
                     followup_start=today, followup_end=today + timedelta(days=10))
             for i, p in enumerate(people[1000:])], batch_size=5000)


def measure(what: str) -> dict:
    from django.contrib.auth import get_user_model

    from outbreakhq.core.actor import Actor
    from outbreakhq.tracing import exporting

    actor = Actor.for_command(get_user_model().objects.get(username="bench-chief"))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def run(path: Path) -> int:
        if what == "pseudonymised":  # CSV of the analysts' layout (tracing/pseudonyms.py)
            export = exporting.prepare(actor=actor, kind="contacts", pseudonymised=True)
            return exporting.write_csv(export.layout, export.tuples(), path)
        rows = exporting.iter_tuples(exporting.export_rows(actor=actor, kind="contacts"))
        if what == "scan":
            return sum(1 for _row in rows)
        return (exporting.write_csv if what == "csv" else exporting.write_xlsx)(
            "contacts", rows, path)

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"contacts.{what}"
        started = time.perf_counter()
        count = run(path)
        seconds = time.perf_counter() - started
        size = path.stat().st_size if path.exists() else 0
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        tracemalloc.start()
        run(path)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {"what": what, "rows": count, "seconds": round(seconds, 2),
            "heap_peak_mb": round(peak / 2**20, 1), "rss_before_mb": round(rss_before / 1024, 1),
            "rss_peak_mb": round(rss_after / 1024, 1), "file_mb": round(size / 2**20, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--pseudonymised", action="store_true",
                        help="also time the pseudonymised CSV export")
    parser.add_argument("--measure", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    import django

    django.setup()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    started = time.perf_counter()
    setup(args.contacts)
    print(f"database ready in {time.perf_counter() - started:.1f} s")
    results = {}
    for what in ("scan", "csv", "xlsx", "pseudonymised")[:4 if args.pseudonymised else 3]:
        out = subprocess.run([sys.executable, __file__, "--measure", what], check=True,
                             capture_output=True, text=True, env=os.environ)
        results[what] = json.loads(out.stdout.strip().splitlines()[-1])
        print(json.dumps(results[what]))
    base = results["scan"]["seconds"] or 0.01
    for what in list(results)[1:]:
        print(f"{what}: {results[what]['seconds'] / base:.1f}x the time of the plain scan")


if __name__ == "__main__":
    main()
