"""SIGKILL of an importer mid-run (issue 15), on SQLite and PostgreSQL: nothing half written is
visible (no part of a transaction: the whole file on PostgreSQL, whole batches on SQLite), and a
second run lands every row exactly once. The import runs as the command does,
in a subprocess on the test database, and is killed at several moments."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import connection

from outbreakhq.core.models import Person
from outbreakhq.core.roles import Role
from outbreakhq.interop.pipeline import BATCH_ROWS
from outbreakhq.tracing.models import Case
from tests.factories import make_user, resident_id, territory

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 3000
HEADER = ["病例编号", "姓名", "性别", "证件号码", "现住址区划", "分类", "发病日期", "报告日期",
          "发现途径", "传染源编号"]


def line_list(path: Path, home: str) -> Path:
    today = date.today()
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for i in range(ROWS):
            number = resident_id(date(1950, 1, 1) + timedelta(days=i // 500), 100 + i % 500)
            writer.writerow([f"K{i:05d}", f"Person {i}", "男" if i % 2 else "女", number, home,
                             "确诊", "", today.isoformat(), "发热门诊", ""])
    return path


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return (f"postgresql://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}"
            f"/{db['NAME']}")


def importer(path: Path, tmp_path: Path) -> subprocess.Popen:
    env = {**os.environ, "OUTBREAKHQ_DATABASE_URL": database_url(), "OUTBREAKHQ_DEBUG": "1",
           "OUTBREAKHQ_DATA_DIR": str(tmp_path / "data"), "DJANGO_SETTINGS_MODULE": ""}
    env.pop("DJANGO_SETTINGS_MODULE")
    return subprocess.Popen([sys.executable, "-m", "outbreakhq.cli", "import", "cases",
                             str(path), "--user", "tina", "--in-process"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_killed_import_leaves_nothing_and_a_rerun_lands_every_row_once(tmp_path):
    land = territory()
    make_user(Role.TRACER, land.county1, username="tina")
    path = line_list(tmp_path / "cases.csv", land.compound1.code)
    connection.close()  # the subprocess writes; our connection must not hold SQLite's lock

    for delay in (4, 8, 12):
        run = importer(path, tmp_path)
        time.sleep(delay)
        if run.poll() is not None:  # finished before the kill: then everything must be there
            break
        run.send_signal(signal.SIGKILL)
        run.wait()
        count = Case.objects.filter(external_id__startswith="K").count()
        # One transaction on PostgreSQL; on SQLite whole batches (pipeline.BATCH_ROWS rows,
        # short transactions that keep the web app writable), never part of one.
        whole = BATCH_ROWS if connection.vendor == "sqlite" else ROWS
        assert count % whole == 0 or count == ROWS, \
            f"killed after {delay} s: {count} rows half written"
        people = Person.objects.filter(name__startswith="Person ").count()
        assert people == count, f"killed after {delay} s: {people} people for {count} cases"
        connection.close()

    run = importer(path, tmp_path)
    out, err = run.communicate(timeout=600)
    assert run.returncode == 0, err[-2000:]
    ids = list(Case.objects.filter(external_id__startswith="K").values_list("external_id",
                                                                            flat=True))
    assert len(ids) == ROWS and len(set(ids)) == ROWS
