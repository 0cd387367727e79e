"""Benchmark: OutbreakHQ's simulator against covasim, same population and days, same run.

    .venv/bin/pip install covasim          # the `bench` extra of pyproject.toml
    .venv/bin/python bench/bench_simulate.py [--population 1000000] [--days 60] [--repeat 1]

Each simulation runs in its own subprocess, which reports its wall time and peak resident memory
(`resource.getrusage(RUSAGE_SELF).ru_maxrss`), so the two do not share a heap. Printed:

- outbreakhq: the full scenario with the cn-9th-edition response, every output table built in
  memory (persons, infections, cases, contacts, tubes, …), then written as Parquet (timed apart);
- outbreakhq-bare: the same epidemic without any response (transmission and infection records);
- outbreakhq-who: the who-generic response (home quarantine, no mass screening), which lets a
  large epidemic run with every case traced: the heaviest record-level output;
- covasim: `cv.Sim(pop_type="hybrid")` (households, schools, workplaces, community: the closest
  covasim population to ours) with default parameters and no interventions.

The machines are shared and noisy: compare the ratios, and medians over --repeat runs.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
NAMES = ("outbreakhq", "outbreakhq-bare", "outbreakhq-who")


def run_outbreakhq(population: int, days: int, respond: bool, protocol: str = "cn-9th-edition"
                   ) -> dict[str, float]:
    sys.path.insert(0, str(SRC))
    from outbreakhq.simulate import writer
    from outbreakhq.simulate.engine import Config, simulate

    started = time.perf_counter()
    scenario = simulate(Config(population=population, days=days, seed=1, respond=respond,
                               protocol=protocol))
    seconds = time.perf_counter() - started
    rows = sum(scenario.meta["rows"].values())
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        writer.write(scenario, out=Path(folder) / "scenario", fmt="parquet")
        write_seconds = time.perf_counter() - started
    return {"seconds": seconds, "write_seconds": write_seconds, "rows": rows,
            "infections": scenario.meta["rows"]["infections"]}


def run_covasim(population: int, days: int) -> dict[str, float]:
    import covasim as cv

    started = time.perf_counter()
    sim = cv.Sim(pop_size=population, n_days=days, pop_type="hybrid", rand_seed=1, verbose=0)
    sim.run()
    return {"seconds": time.perf_counter() - started,
            "infections": float(sim.results["cum_infections"][-1])}


def worker(name: str, population: int, days: int) -> None:
    if name == "covasim":
        result = run_covasim(population, days)
    elif name == "outbreakhq-who":
        result = run_outbreakhq(population, days, respond=True, protocol="who-generic")
    else:
        result = run_outbreakhq(population, days, respond=name == "outbreakhq")
    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(name: str, population: int, days: int) -> dict[str, float] | str:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, "--worker", name, "--population",
                           str(population), "--days", str(days)],
                          capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        return (proc.stderr.strip().splitlines() or ["failed"])[-1]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = wall  # includes interpreter start and imports
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--population", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--worker", choices=[*NAMES, "covasim"])
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.population, args.days)
        return
    results: dict[str, list[dict[str, float]]] = {}
    for _ in range(args.repeat):
        for name in (*NAMES, "covasim"):
            outcome = measure(name, args.population, args.days)
            if isinstance(outcome, str):
                print(f"{name}: failed: {outcome}")
                continue
            results.setdefault(name, []).append(outcome)
    print(f"{args.population:,} people, {args.days} days, {args.repeat} run(s), medians:")
    median = {name: {key: statistics.median(r[key] for r in runs) for key in runs[0]}
              for name, runs in results.items()}
    for name, m in median.items():
        extra = f", Parquet write {m['write_seconds']:.1f} s, {m['rows']:,.0f} rows" \
            if "write_seconds" in m else ""
        print(f"  {name:<15} simulate {m['seconds']:6.1f} s  (process {m['wall_seconds']:6.1f} s)"
              f"  peak RSS {m['max_rss_mb']:7.0f} MB  infections {m['infections']:,.0f}{extra}")
    if "covasim" in median:
        for name in NAMES:
            if name in median:
                ratio = median["covasim"]["seconds"] / median[name]["seconds"]
                memory = median["covasim"]["max_rss_mb"] / median[name]["max_rss_mb"]
                print(f"  covasim / {name}: time x{ratio:.1f}, peak memory x{memory:.1f}")


if __name__ == "__main__":
    main()
