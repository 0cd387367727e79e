"""Import of a line list of N cases (default 5,000) and as many contacts: time of the preview
(every row checked, nothing written), of the commit, and of a re-import (which changes nothing),
with the process's peak resident memory; the baseline is reading and converting the same file
with no database checks, measured in the same run.

    OUTBREAKHQ_DATA_DIR=$(mktemp -d) .venv/bin/python bench/tracing_import.py --cases 5000
    OUTBREAKHQ_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/import_bench \
        .venv/bin/python bench/tracing_import.py --cases 5000
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outbreakhq.settings")
os.environ.setdefault("OUTBREAKHQ_DEBUG", "1")


def write_files(folder: Path, n: int, area: str) -> tuple[Path, Path]:
    from tests.factories import resident_id

    today = date.today()
    cases, contacts = folder / "cases.csv", folder / "contacts.csv"
    with cases.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["病例编号", "姓名", "性别", "证件号码", "现住址区划", "分类", "发病日期",
                         "报告日期", "发现途径", "传染源编号"])
        for i in range(n):
            report = today - timedelta(days=1 + i % 20)
            writer.writerow([f"C{i}", f"Case {i}", "男女"[i % 2],
                             resident_id(date(1950, 1, 1) + timedelta(days=i % 20000), i),
                             area, "确诊", f"{report.year}/{report.month}/{report.day}",
                             report.isoformat(), "社区筛查", f"C{i - 1}" if i % 3 else ""])
    with contacts.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["密接编号", "姓名", "证件号码", "现住址区划", "关联病例编号", "接触方式",
                         "末次接触日期"])
        for i in range(n):
            report = today - timedelta(days=1 + i % 20)
            writer.writerow([f"K{i}", f"Contact {i}",
                             resident_id(date(1990, 1, 1) + timedelta(days=i % 9000), i + 1),
                             area, f"C{i}", "家庭", report.isoformat()])
    return cases, contacts


def timed(label: str, work) -> object:
    # No tracemalloc here: it triples the time of the ORM-heavy commit. Peak resident memory of
    # the process so far is printed instead (it only grows, so a flat figure means no growth).
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label:<28} {seconds:8.2f} s   peak RSS so far {rss:7.1f} MB")
    return result, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=5000)
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.management import call_command

    from outbreakhq.core.actor import Actor
    from outbreakhq.tracing.importing import plan_import, run_import
    from outbreakhq.tracing.importing_fields import check_header, guess_mapping
    from outbreakhq.tracing.importing_read import open_table, read_rows
    from outbreakhq.tracing.importing_rows import RowParser
    from tests.factories import make_user, territory

    call_command("migrate", verbosity=0)
    land = territory()
    user = make_user("tracer", land.region, username=f"bench-{time.time_ns()}")
    actor = Actor.for_command(user)
    with tempfile.TemporaryDirectory() as folder:
        cases, contacts = write_files(Path(folder), args.cases, land.compound1.code)

        def parse_only() -> int:
            with open_table(cases) as table:
                index = check_header("cases", table.header, guess_mapping("cases", table.header))
                parser = RowParser(index, {k: k for k in index}, today=date.today())
                return sum(1 for n, cells in read_rows(table) if parser.parse(n, cells))

        _rows, base = timed("baseline: read and convert", parse_only)
        for label, work in (
            ("cases: preview", lambda: plan_import(actor=actor, kind="cases", path=cases)),
            ("cases: commit", lambda: run_import(actor=actor, kind="cases", path=cases)),
            ("cases: re-import (no-op)", lambda: run_import(actor=actor, kind="cases", path=cases)),
            ("contacts: commit", lambda: run_import(actor=actor, kind="contacts", path=contacts)),
            ("contacts: re-import",
             lambda: run_import(actor=actor, kind="contacts", path=contacts)),
        ):
            _result, seconds = timed(label, work)
            print(f"{'':<28} {seconds / base:8.1f}x the baseline, "
                  f"{seconds / args.cases * 1000:.2f} ms a row")


if __name__ == "__main__":
    main()
