"""Import of a line list of N cases (default 5,000) and as many contacts: time of the preview
(every row checked, nothing written), of the commit, and of a re-import (which changes nothing),
with the process's peak resident memory. Two baselines, measured in the same run: reading and
converting the same file with no database checks, and the raw write of the rows a commit
writes (its people, its cases or contacts, two audit events a row) with core/bulk.py's
executemany (SQLite) or COPY (PostgreSQL), no check and no ORM: the floor a commit can reach.

`--commit-only` (issue 14) measures the commit alone, as the page and the worker run it on the
plan the preview kept (pipeline.commit_plan), against the raw write of the same rows, for the
file above and for a published, de-identified line list of N cases (no names, constants for
classification and detection route, 40 % of infectors not listed, one case in 20 with three
possible infectors, words recoded by the mapping); tracemalloc's heap peak of the commit too.

It runs on the code before issue 8 too (the import lived in tracing/importing*.py then), so
that before and after are measured by the same script:

    git archive <commit> | tar -x -C /tmp/before && cd /tmp/before && cp <this file> bench/

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


def write_changes(folder: Path, n: int, area: str) -> tuple[Path, Path, Path]:
    """A links file (every third case gets the previous one as its source: one chain, no
    loop) and the two line lists again with one changed value a row (the detection route of
    every case, the last exposure of every contact a day earlier)."""
    (folder / "changed").mkdir()
    cases, contacts = write_files(folder / "changed", n, area)
    for path, old, new in ((cases, "社区筛查", "发热门诊"), (contacts, None, None)):
        text = path.read_text(encoding="utf-8-sig")
        if old:
            text = text.replace(old, new)
        else:
            rows = list(csv.reader(text.splitlines()))
            for row in rows[1:]:
                row[-1] = (date.fromisoformat(row[-1]) - timedelta(days=1)).isoformat()
            with path.open("w", encoding="utf-8-sig", newline="") as out:
                csv.writer(out).writerows(rows)
            continue
        path.write_text(text, encoding="utf-8-sig")
    links = folder / "links.csv"
    with links.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["传染源编号", "被感染者编号", "暴露类型", "暴露日期"])
        today = date.today()
        for i in range(3, n, 3):
            writer.writerow([f"C{i - 1}", f"C{i}", "家庭",
                             (today - timedelta(days=1 + i % 20)).isoformat()])
    return links, cases, contacts


def raw_update(kind: str, n: int, user) -> float:
    """Seconds to write, with executemany, what a commit of `n` changed records writes: one
    UPDATE of one column a record, one audit event a record (COPY or executemany). Rolled
    back."""
    from django.db import connection, transaction

    from outbreakhq.core import bulk
    from outbreakhq.core.models import AuditEvent
    from outbreakhq.tracing.models import Case, Contact

    model = Case if kind == "case" else Contact
    ids = list(model.objects.order_by("pk").values_list("pk", flat=True)[:n])
    table, column = model._meta.db_table, "source_case_id" if kind == "case" else "contact_type"
    value = None if kind == "case" else "other"
    seconds = 0.0
    try:
        with transaction.atomic():
            events = [AuditEvent(user=user, username=user.username, action="change",
                                 object_type=kind, object_id=str(i), detail={"fields": [column]})
                      for i in ids]
            meta = AuditEvent._meta
            fields = [f for f in meta.concrete_fields if f.column]
            for obj, pk in zip(events, bulk.allocate_ids(meta.db_table, len(events)),
                               strict=True):
                obj.pk = pk
            rows = [[f.get_db_prep_save(f.pre_save(o, True), connection) for f in fields]
                    for o in events]
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.executemany(f"UPDATE {table} SET {column} = %s WHERE id = %s",
                                   [(value, pk) for pk in ids])
            bulk._write(meta.db_table, [f.column for f in fields], rows)
            seconds = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return seconds


def timed(label: str, work) -> tuple[object, float]:
    # No tracemalloc here: it triples the time of the ORM-heavy commit. Peak resident memory of
    # the process so far is printed instead (it only grows, so a flat figure means no growth).
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label:<28} {seconds:8.2f} s   peak RSS so far {rss:7.1f} MB")
    return result, seconds


def entry_points():
    """plan_import and run_import wherever this checkout keeps them."""
    try:
        from outbreakhq.interop.pipeline import plan_import, run_import
    except ImportError:  # before issue 8
        from outbreakhq.tracing.importing import plan_import, run_import
    return plan_import, run_import


def acting_as(user) -> dict:
    """Who the import runs as: an actor since the services took one, else the user (by=)."""
    try:
        from outbreakhq.core.actor import Actor
    except ImportError:
        return {"by": user}
    return {"actor": Actor.for_command(user)}


def parse_only(path: Path) -> int:
    try:
        from outbreakhq.interop.fields import check_header, guess_mapping
        from outbreakhq.interop.read import open_table, read_rows
        from outbreakhq.interop.registry import importer_for
        from outbreakhq.interop.rows import RowParser

        def parser(index):
            return RowParser(importer_for("cases"), index, {k: k for k in index},
                             today=date.today())
    except ImportError:  # before issue 8
        from outbreakhq.tracing.importing_fields import check_header, guess_mapping
        from outbreakhq.tracing.importing_read import open_table, read_rows
        from outbreakhq.tracing.importing_rows import RowParser

        def parser(index):
            return RowParser(index, {k: k for k in index}, today=date.today())
    with open_table(path) as table:
        rows = parser(check_header("cases", table.header, guess_mapping("cases", table.header)))
        return sum(1 for n, cells in read_rows(table) if rows.parse(n, cells))


class Rollback(Exception):
    pass


def raw_write(kind: str, n: int, land, user) -> float:
    """Seconds to write, with core/bulk.py's executemany or COPY, the rows a commit of `n`
    records of `kind` writes: n people, n records, 2n audit events. Rolled back."""
    from django.db import connection, transaction

    from outbreakhq.core import bulk
    from outbreakhq.core.models import AuditEvent, Person
    from outbreakhq.tracing.models import Case, Contact

    area, today = land.compound1, date.today()
    people = [Person(tenant_id=area.tenant_id, name=f"Raw {i}", home_area=area)
              for i in range(n)]
    source = Case.objects.filter(tenant_id=area.tenant_id).first()
    records = [Case(tenant_id=area.tenant_id, area=area, person=p, external_id=f"R{i}",
                    classification="confirmed", report_date=today, detection_route="clinic",
                    created_by=user) if kind == "cases" else
               Contact(tenant_id=area.tenant_id, area=area, person=p, external_id=f"R{i}",
                       category="close", contact_type="household", last_exposure=today,
                       followup_start=today, followup_end=today, source_case=source)
               for i, p in enumerate(people)]
    events = [AuditEvent(user=user, username=user.username, action="create", object_type=t,
                         object_id=str(i), area_path=area.path, tenant_id=area.tenant_id)
              for t in ("person", kind[:-1]) for i in range(n)]
    seconds = 0.0
    try:
        with transaction.atomic():
            tables = []  # (table, columns, rows): prepared before the clock starts
            for objs in (people, records, events):
                meta = type(objs[0])._meta
                fields = [f for f in meta.concrete_fields if f.column]
                for obj, pk in zip(objs, bulk.allocate_ids(meta.db_table, len(objs)), strict=True):
                    obj.pk = pk
                    for f in fields:
                        if f.is_relation and f.is_cached(obj):
                            setattr(obj, f.attname, f.get_cached_value(obj).pk)
                tables.append((meta.db_table, [f.column for f in fields],
                               [[f.get_db_prep_save(f.pre_save(o, True), connection)
                                 for f in fields] for o in objs]))
            started = time.perf_counter()
            for table, columns, rows in tables:
                bulk._write(table, columns, rows)
            seconds = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return seconds


def write_published(folder: Path, n: int) -> tuple[Path, dict]:
    """A de-identified line list shaped like published ones, and its mapping."""
    today = date.today()
    path = folder / "published.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["case_id", "sex", "dt_onset", "dt_report", "outcome", "context",
                         "dt_exposure", "infector"])
        for i in range(n):
            report = today - timedelta(days=1 + i % 20)
            onset = report - timedelta(days=2)
            if i % 5 < 2:
                infector = f"X{i}"  # 40 %: not in the list
            elif i % 20 == 3 and i > 3:
                infector = f"P{i - 1};P{i - 2};X{i}"  # three possible infectors
            else:
                infector = f"P{i - 1}" if i else ""
            writer.writerow([f"P{i}", "mf"[i % 2], onset.isoformat(), report.isoformat(),
                             ("Recover", "Dead", "Alive", "")[i % 4],
                             ("funeral", "Hospital room", "family", "")[i % 4],
                             (onset - timedelta(days=3)).isoformat(), infector])
    mapping = {"columns": {"case_id": "external_id", "sex": "sex", "dt_onset": "onset_date",
                           "dt_report": ["report_date", "sampling_date"], "outcome": "outcome",
                           "context": "exposure_type", "dt_exposure": "exposure_date",
                           "infector": "source_case"},
               "constants": {"classification": "confirmed", "detection_route": "clinic"},
               "values": {"outcome": {"Recover": "recovered", "Dead": "died",
                                      "Alive": "active"},
                          "exposure_type": {"funeral": "other", "Hospital room": "health_care",
                                            "family": "household"}}}
    return path, mapping


def written_rows() -> dict[str, int]:
    """Rows of each table a commit writes, counted before and after it."""
    from outbreakhq.core.models import AuditEvent, Person
    from outbreakhq.tracing.models import CandidateInfector, Case, Exposure

    return {m.__name__: m.objects.count()
            for m in (Person, Case, AuditEvent, Exposure, CandidateInfector)}


def commit_only(n: int, land, user, folder: Path, heap: bool = False, repeat: int = 1) -> None:
    """The commit alone (the plan made first, as the preview keeps it) against the raw write
    of exactly the rows it wrote, counted table by table. `repeat` > 1: each repetition commits
    inside a transaction that is then rolled back (so that the next one writes the same rows
    again), the raw write right after it on the same counts; min and median of both and the
    median of the per-repetition ratios are printed (the machine is shared: read the median).
    On SQLite a file of more than pipeline.BATCH_ROWS rows is written in batches (savepoints
    here, inside the rolled-back transaction)."""
    import statistics
    import tracemalloc

    from django.db import connection, transaction

    from outbreakhq.core.actor import Actor
    from outbreakhq.interop.pipeline import commit_plan, plan_import

    actor = Actor.for_command(user)
    cases, _contacts = write_files(folder, n, land.compound1.code)
    published, mapping = write_published(folder, n)
    for label, path, options in (("cases (named, documents)", cases, {}),
                                 ("published line list", published,
                                  {"mapping": mapping, "area": land.compound1})):
        ours, raws, wrote = [], [], {}
        ours_cpu, raws_cpu = [], []
        for _rep in range(repeat):
            plan = plan_import(actor=actor, kind="cases", path=path, **options)
            assert not plan.errors, plan.errors[:3]
            before = written_rows()
            if heap:
                tracemalloc.start()
            try:
                with transaction.atomic():
                    started, cpu = time.perf_counter(), time.process_time()
                    commit_plan(actor=actor, plan=plan, name=path.name)
                    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
                    after = written_rows()
                    if repeat > 1:
                        raise Rollback
            except Rollback:
                pass
            peak = tracemalloc.get_traced_memory()[1] if heap else 0
            tracemalloc.stop()
            wrote = {k: after[k] - before[k] for k in after if after[k] != before[k]}
            ours.append(seconds)
            ours_cpu.append(cpu)
            raw_wall, raw_cpu = raw_rows(wrote, land, user)
            raws.append(raw_wall)
            raws_cpu.append(raw_cpu)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        ratios = [o / r for o, r in zip(ours, raws, strict=True)]
        print(f"{label:<28} commit min {min(ours):6.2f} s median {statistics.median(ours):6.2f} s "
              f"({statistics.median(ours) / n * 1000:.2f} ms a row); raw write of the same rows "
              f"min {min(raws):.2f} s median {statistics.median(raws):.2f} s; "
              f"ratio median {statistics.median(ratios):.1f}x (min {min(ratios):.1f}x, "
              f"max {max(ratios):.1f}x, {repeat} runs); "
              + (f"heap peak {peak / 2**20:.1f} MB (tracemalloc on: slower), " if heap else "")
              + f"peak RSS {rss:.0f} MB; load {os.getloadavg()[0]:.1f}")
        if connection.vendor == "sqlite":  # the database works in this process: CPU is all
            cpu_ratios = [o / r for o, r in zip(ours_cpu, raws_cpu, strict=True)]
            print(f"{'':<28} CPU time (SQLite runs in this process; steadier than wall time "
                  f"on a shared machine): commit median {statistics.median(ours_cpu):.2f} s, "
                  f"raw {statistics.median(raws_cpu):.2f} s, ratio median "
                  f"{statistics.median(cpu_ratios):.1f}x (min {min(cpu_ratios):.1f}x, "
                  f"max {max(cpu_ratios):.1f}x)")
        print(f"{'':<28} rows written: {wrote}")


def raw_rows(wrote: dict[str, int], land, user) -> tuple[float, float]:
    """Seconds (wall, and this process's CPU) for core/bulk.py to write that many rows of each
    table, no check, no ORM, the values prepared before the clock starts. Rolled back."""
    from django.db import connection, transaction

    from outbreakhq.core import bulk
    from outbreakhq.core.models import AuditEvent, Person
    from outbreakhq.tracing.models import CandidateInfector, Case, Exposure

    area, today = land.compound1, date.today()
    n = wrote.get("Person", 0)
    people = [Person(tenant_id=area.tenant_id, name="", home_area=area) for i in range(n)]
    objs = {"Person": people}
    cases = [Case(tenant_id=area.tenant_id, area=area, person=people[i % max(n, 1)],
                  external_id=f"R{i}", classification="confirmed", report_date=today,
                  detection_route="clinic", created_by=user)
             for i in range(wrote.get("Case", 0))]
    objs["Case"] = cases
    objs["AuditEvent"] = [AuditEvent(user=user, username=user.username, action="create",
                                     object_type="case", object_id=str(i), area_path=area.path,
                                     tenant_id=area.tenant_id)
                          for i in range(wrote.get("AuditEvent", 0))]
    objs["Exposure"] = [Exposure(tenant_id=area.tenant_id, case=cases[i % len(cases)],
                                 setting="other", date=today)
                        for i in range(wrote.get("Exposure", 0))] if cases else []
    objs["CandidateInfector"] = [
        CandidateInfector(tenant_id=area.tenant_id, case=cases[i % len(cases)],
                          external_id=f"X{i}", position=i % 3)
        for i in range(wrote.get("CandidateInfector", 0))] if cases else []
    seconds = cpu = 0.0
    try:
        with transaction.atomic():
            tables = []
            for group in objs.values():
                if not group:
                    continue
                meta = type(group[0])._meta
                fields = [f for f in meta.concrete_fields if f.column]
                for obj, pk in zip(group, bulk.allocate_ids(meta.db_table, len(group)),
                                   strict=True):
                    obj.pk = pk
                for obj in group:
                    for f in fields:
                        if f.is_relation and f.is_cached(obj):
                            setattr(obj, f.attname, f.get_cached_value(obj).pk)
                tables.append((meta.db_table, [f.column for f in fields],
                               [[f.get_db_prep_save(f.pre_save(o, True), connection)
                                 for f in fields] for o in group]))
            started, cpu = time.perf_counter(), time.process_time()
            for table, columns, rows in tables:
                bulk._write(table, columns, rows)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            raise Rollback
    except Rollback:
        pass
    return seconds, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--commit-only", action="store_true",
                        help="only the commit on a kept plan against the raw write (issue 14)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="with --commit-only: repetitions (rolled back), min/median/ratio")
    parser.add_argument("--heap", action="store_true",
                        help="with --commit-only: the commit's heap peak (tracemalloc, slower)")
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.management import call_command

    from tests.factories import make_user, territory

    plan_import, run_import = entry_points()
    call_command("migrate", verbosity=0)
    land = territory()
    user = make_user("tracer", land.region, username=f"bench-{time.time_ns()}")
    who = acting_as(user)
    n = args.cases
    if args.commit_only:
        with tempfile.TemporaryDirectory() as folder:
            commit_only(n, land, user, Path(folder), heap=args.heap, repeat=args.repeat)
        return
    with tempfile.TemporaryDirectory() as folder:
        cases, contacts = write_files(Path(folder), n, land.compound1.code)
        _rows, base = timed("baseline: read and convert", lambda: parse_only(cases))
        raw = {}
        for label, work, kind in (
            ("cases: preview", lambda: plan_import(**who, kind="cases", path=cases), ""),
            ("cases: commit", lambda: run_import(**who, kind="cases", path=cases), "cases"),
            ("cases: re-import (no-op)", lambda: run_import(**who, kind="cases", path=cases),
             ""),
            ("contacts: commit", lambda: run_import(**who, kind="contacts", path=contacts),
             "contacts"),
            ("contacts: re-import", lambda: run_import(**who, kind="contacts",
                                                       path=contacts), ""),
        ):
            _result, seconds = timed(label, work)
            line = (f"{'':<28} {seconds / base:8.1f}x the baseline, "
                    f"{seconds / n * 1000:.2f} ms a row")
            if kind:
                raw[kind] = raw_write(kind, n, land, user)
                line += (f"; raw {kind} write {raw[kind]:.2f} s: commit = "
                         f"{seconds / raw[kind]:.1f}x raw")
            print(line)
        links, changed_cases, changed_contacts = write_changes(Path(folder), n,
                                                               land.compound1.code)
        for label, path, kind, count in (
                ("links: commit", links, "links", n // 3),
                ("cases: re-import, changed", changed_cases, "cases", n),
                ("contacts: re-import, changed", changed_contacts, "contacts", n)):
            _result, seconds = timed(label, lambda k=kind, p=path: run_import(**who, kind=k,
                                                                            path=p))
            raw_seconds = raw_update("contact" if kind == "contacts" else "case", count, user)
            print(f"{'':<28} {seconds / count * 1000:.2f} ms a row ({count} rows); raw update "
                  f"{raw_seconds:.2f} s: commit = {seconds / raw_seconds:.1f}x raw")


if __name__ == "__main__":
    main()
