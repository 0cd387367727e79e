"""The demo's load, step by step: the default demo city (200,000 people, 18 days, seed 7)
loaded into a fresh database with and without the screening step, in one run.

    .venv/bin/python bench/demo_load_steps.py
    OUTBREAKHQ_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_demo \
        .venv/bin/python bench/demo_load_steps.py   # (an empty database you created)

Each mode runs in its own process on a fresh SQLite file (on PostgreSQL the second load
replaces the first: `delete` is the time of removing the previous scenario). Prints the total
load time, the screening step's time, peak memory (resource.getrusage) and the load average.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time

STEP = "screening rounds, tubes and recalls"


def run(mode: str) -> None:
    if "OUTBREAKHQ_DATABASE_URL" not in os.environ:
        os.environ["OUTBREAKHQ_DATA_DIR"] = tempfile.mkdtemp(prefix="demo-load-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outbreakhq.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from outbreakhq.screening import scenario_load
    from outbreakhq.simulate.engine import Config, simulate
    from outbreakhq.wiring import scenario_loader as loader

    call_command("migrate", interactive=False, verbosity=0)
    scenario = simulate(Config(population=200_000, days=18, seed=7))
    if mode == "without":
        scenario_load.load_scenario = lambda *args, **kwargs: None
    marks: list[tuple[str, float]] = []
    started = time.monotonic()
    loader.load(scenario, replace=True,
                progress=lambda step: marks.append((step, time.monotonic())))
    marks.append(("end", time.monotonic()))
    steps = {marks[i][0]: marks[i + 1][1] - marks[i][1] for i in range(len(marks) - 1)}
    print(f"{mode:<8} total {marks[-1][1] - started:6.1f} s  screening {steps.get(STEP, 0):5.1f} s"
          f"  delete {steps.get('deleting the previous scenario', 0):4.1f} s  peak "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB  load average "
          f"{os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        run(sys.argv[1])
    else:
        for mode in ("without", "with"):
            subprocess.run([sys.executable, __file__, mode], check=True)
