"""SIGKILL of `outbreakhq import results` half-way through a large file (issue 9), on SQLite
and PostgreSQL (OUTBREAKHQ_DATABASE_URL): the command runs as a subprocess on the test
database, is killed with SIGKILL once the database shows some of its batches committed and
others not, then runs again: every row lands exactly once. With a message id (--message-id),
the killed run stored no answer, the second stores it, and a third is answered "already
processed" without reading the file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from outbreakhq.screening.models import Tube, TubeStatus
from tests.faults.test_killed_import import database_url
from tests.screening.conftest import make_screen

pytestmark = pytest.mark.django_db(transaction=True)

TUBES = 20000


def received_tubes(screen) -> None:
    """TUBES received tubes, written directly (the set-up, not the code under test)."""
    now = timezone.now()
    Tube.objects.bulk_create((Tube(
        tenant_id=screen.site.tenant_id, area_id=screen.site.area_id, barcode=f"K{n:06d}",
        round=screen.round, site=screen.site, capacity=10, members_count=0, content=f"k{n}",
        status=TubeStatus.RECEIVED, collected_at=now, sealed_at=now, shipped_at=now,
        received_at=now, result="") for n in range(TUBES)), batch_size=5000)


def importer(path: Path, tmp_path: Path, *options: str) -> subprocess.Popen:
    env = {**os.environ, "OUTBREAKHQ_DATABASE_URL": database_url(), "OUTBREAKHQ_DEBUG": "1",
           "OUTBREAKHQ_DATA_DIR": str(tmp_path / "data")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.Popen([sys.executable, "-m", "outbreakhq.cli", "import", "results",
                             str(path), "--user", "lee", *options], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def resulted() -> int:
    for _attempt in range(50):
        try:
            return Tube.objects.filter(status=TubeStatus.RESULTED).count()
        except OperationalError:  # SQLite busy for a moment
            time.sleep(0.02)
    raise AssertionError("the database stayed locked")


@pytest.mark.parametrize("options", [(), ("--message-id", "lab-7-batch-12")],
                         ids=["by-barcode", "with-message-id"])
def test_a_results_import_killed_half_way_lands_every_row_once_when_run_again(tmp_path,
                                                                               options):
    screen = make_screen()
    received_tubes(screen)
    path = tmp_path / "results.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("barcode,result,ct\n")
        out.writelines(f"K{n:06d},{'invalid' if n % 1000 == 7 else 'negative'},\n"
                       for n in range(TUBES))
    connection.close()  # the subprocess writes; our connection must not hold a lock

    run = importer(path, tmp_path, *options)
    landed, deadline = 0, time.monotonic() + 60
    while time.monotonic() < deadline and run.poll() is None:
        landed = resulted()
        if landed:
            break
        time.sleep(0.05)
    assert run.poll() is None, f"the import ended before it could be killed: {run.stderr.read()}"
    run.send_signal(signal.SIGKILL)
    run.wait()
    connection.close()
    landed = resulted()
    assert 0 < landed < TUBES, f"killed with {landed} of {TUBES} rows landed: not half-way"
    assert landed % 2000 == 0, f"{landed} rows landed: a batch was half written"

    again = importer(path, tmp_path, *options)
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err[-2000:]
    assert out.splitlines()[-1] == (f"{TUBES - landed} created, 0 updated, {landed} unchanged, "
                                    "0 held, 0 refused.")
    assert resulted() == TUBES
    assert Tube.objects.filter(result="invalid").count() == TUBES // 1000
    if not options:
        return
    # a completed file with its id: answered from the second run's totals, nothing read
    Tube.objects.filter(barcode="K000000").update(result="positive")  # would be "contradicting"
    third = importer(path, tmp_path, *options)
    out, err = third.communicate(timeout=120)
    assert third.returncode == 0, err[-2000:]
    assert "Already processed: message lab-7-batch-12" in out
    assert out.splitlines()[-1] == (f"{TUBES - landed} created, 0 updated, {landed} unchanged, "
                                    "0 held, 0 refused.")
