"""How many rows an export may have and still be written inside the request in well under a
second: times the whole in-request path (checks, count, the `export` audit event naming every
person, the file) of the demo administrator's export, cut to N rows, as CSV and as XLSX.

    OUTBREAKHQ_DATA_DIR=/tmp/demo .venv/bin/python bench/load/export_threshold.py

Needs the demo data (`outbreakhq demo --no-serve`). Prints seconds per size (best of 3) and the
machine's load; tracing/exporting.py's IN_REQUEST_UP_TO comes from these figures
(docs/benchmarks.md, "Exports: in the request or in the background").
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outbreakhq.settings")
os.environ.setdefault("OUTBREAKHQ_DEBUG", "1")


def main() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from outbreakhq.core import events
    from outbreakhq.core.actor import Actor
    from outbreakhq.core.events import ListExported
    from outbreakhq.tracing import exporting

    actor = Actor.for_command(get_user_model().objects.get(username="admin"))
    print(f"load average before: {os.getloadavg()}")
    for kind in ("contacts", "cases"):
        for rows in (100, 500, 1000, 2000, 5000):
            for fmt in ("csv", "xlsx"):
                best = None
                for _ in range(3):
                    started = time.perf_counter()
                    export = exporting.prepare(actor=actor, kind=kind)
                    first = list(export.rows.values_list("pk", flat=True)[:rows])
                    cut = exporting.Export(export.layout, export.rows.filter(pk__in=first),
                                           export.convert)
                    count = len(first)
                    events.publish(ListExported(actor=actor, kind=kind, rows=cut.rows, area=None,
                                                detail={"format": fmt, "rows": count}))
                    if fmt == "csv":
                        for _line in exporting.csv_lines(cut.layout, cut.tuples()):
                            pass
                    else:
                        with tempfile.TemporaryFile() as spool:
                            exporting.write_xlsx(cut.layout, cut.tuples(), spool)
                    took = time.perf_counter() - started
                    best = took if best is None else min(best, took)
                print(f"{kind:8} {fmt:4} {count:>6} rows  {best:6.3f} s")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
