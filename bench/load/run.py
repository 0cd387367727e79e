"""`make loadtest`: start `outbreakhq serve` on loopback, run locustfile.py headless for a
bounded time, print requests per second, p50/p95/p99 per page and every error, stop the server.

    python bench/load/run.py [--users 50] [--minutes 3] [--workers 2] [--threads 4]
    python bench/load/run.py --steps 10,25,50,75,100 --minutes 2   # the limit: a step ramp

The data folder and database come from the environment as for every command
(OUTBREAKHQ_DATA_DIR, OUTBREAKHQ_DATABASE_URL); load the demo first (`outbreakhq demo
--no-serve`). With --steps the same server takes each number of users in turn, for --minutes
each, and the summary names the first step whose p99 passes 1 s. Every step prints the machine's
load average and the server's memory (gunicorn and the task worker, resident). Exit status 1 if
any request failed. Figures: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, server: subprocess.Popen, seconds: int = 600) -> None:
    """Up to 10 minutes: `serve` first collects the static files and checks the migrations."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped at start (exit {server.returncode})")
        try:
            urllib.request.urlopen(url + "/login/", timeout=5)
            return
        except OSError:
            time.sleep(1)
    raise SystemExit("the server did not answer in time")


def kill_a_worker(master: int) -> None:
    """SIGKILL the first worker process of the gunicorn master (whose pid `serve` exec'd into)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master and b"gunicorn" in (stat.parent / "cmdline").read_bytes():
            os.kill(int(stat.parent.name), signal.SIGKILL)
            print(f"\n*** killed gunicorn worker {stat.parent.name} ***", flush=True)
            return


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--steps", help="comma-separated user counts, run one after the other "
                                        "against the same server (e.g. 10,25,50,75,100)")
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--minutes", type=float, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--after-sign-in", action="store_true",
                        help="count only what follows the ramp-up (locust --reset-stats): each "
                             "user signs in once a day, and 50 password hashes at once are not "
                             "the day's work")
    parser.add_argument("--host", help="a server already running (default: start one)")
    parser.add_argument("--kill-worker-after", type=float, metavar="SECONDS",
                        help="SIGKILL one gunicorn worker this long into the run (a fault: "
                             "gunicorn must replace it; only its requests in flight may fail)")
    args = parser.parse_args()

    server = None
    host = args.host
    if host is None:
        port = free_port()
        host = f"http://127.0.0.1:{port}"
        env = {**os.environ, "OUTBREAKHQ_ALLOWED_HOSTS": "127.0.0.1,localhost",
               # Collected once (`outbreakhq collectstatic`, or an earlier start): start in
               # seconds; serve collects anyway when there is no manifest yet.
               "OUTBREAKHQ_SKIP_COLLECTSTATIC": os.environ.get(
                   "OUTBREAKHQ_SKIP_COLLECTSTATIC", "1")}
        server = subprocess.Popen(
            [sys.executable, "-m", "outbreakhq.cli", "serve", "--bind", f"127.0.0.1:{port}",
             "--workers", str(args.workers), "--threads", str(args.threads)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
    steps = [int(n) for n in args.steps.split(",")] if args.steps else [args.users]
    folder = Path(tempfile.mkdtemp(prefix="outbreakhq-load-"))
    results = []
    try:
        if server is not None:
            wait_until_up(host, server)
        for users in steps:
            out = folder / f"load-{users}"
            started = time.monotonic()
            if server is not None and args.kill_worker_after:
                threading.Timer(args.kill_worker_after, kill_a_worker, [server.pid]).start()
            subprocess.run([sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"),
                            "--headless", "--host", host, "-u", str(users),
                            "-r", str(args.spawn_rate), "-t", f"{int(args.minutes * 60)}s",
                            "--csv", str(out), "--only-summary", "--loglevel", "WARNING",
                            *(["--reset-stats"] if args.after_sign_in else [])],
                           check=False)
            elapsed = time.monotonic() - started
            memory = server_memory(server.pid) if server is not None else 0
            results.append(report(out, elapsed, args, users, memory))
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)  # gunicorn and the worker it started
            server.wait(timeout=60)
    if len(results) > 1:
        summary(results, args)
    return 1 if any(r["errors"] for r in results) else 0


def server_memory(group: int) -> int:
    """Resident memory (MB) of every process of the server's session: the gunicorn master and
    workers and the task worker."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) == group:  # the session's process group
                total += int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    return total // (1024 * 1024)


def summary(results: list[dict], args) -> None:
    print(f"\nStep ramp, {args.workers} workers x {args.threads} threads, "
          f"{args.minutes:g} min a step\n")
    print(f"{'users':>5} {'requests':>8} {'errors':>6} {'req/s':>6} {'p50':>6} {'p95':>6} "
          f"{'p99':>6} {'max':>7} {'p99 work':>8} {'load 1m':>7} {'RSS MB':>6}")
    for r in results:
        print(f"{r['users']:>5} {r['requests']:>8} {r['errors']:>6} {r['rps']:6.1f} "
              f"{r['p50']:>6} {r['p95']:>6} {r['p99']:>6} {r['max']:7.0f} "
              f"{r['work_p99']:8.0f} {r['load']:7.2f} {r['memory']:>6}")
    for label, key in (("p99", "p99"), ("p99 without the sign-in", "work_p99")):
        over = [r["users"] for r in results if float(r[key]) > 1000]
        print(f"{label} passes 1 s at {over[0]} users" if over
              else f"{label} stayed under 1 s at every step")


def work_percentiles(out: Path) -> dict[str, float]:
    """p50/p95/p99 (ms) of every request but the sign-in, from locustfile.py's samples: the
    day's work. Signing in happens once a day per person and hashes the password on purpose
    slowly (PBKDF2); fifty at the same second say little about the pages."""
    path = Path(f"{out}_samples.csv")
    if not path.is_file():
        return {}
    times = sorted(float(ms) for name, ms, _failed in
                   (line.split("\t") for line in path.read_text().splitlines())
                   if "/login/" not in name)
    if not times:
        return {}
    return {f"p{q}": times[min(len(times) - 1, int(len(times) * q / 100))] for q in (50, 95, 99)}


def report(out: Path, elapsed: float, args, users: int, memory: int) -> dict:
    rows = list(csv.DictReader(open(f"{out}_stats.csv", encoding="utf-8")))
    failures = list(csv.DictReader(open(f"{out}_failures.csv", encoding="utf-8")))
    load = os.getloadavg()
    print(f"\n{users} users, {args.minutes:g} min, {args.workers} workers x "
          f"{args.threads} threads ({elapsed:.0f} s with ramp-up); load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; server RSS {memory} MB\n")
    print(f"{'page':48} {'requests':>8} {'fail':>5} {'req/s':>6} {'p50':>6} {'p95':>6} "
          f"{'p99':>6} {'max':>7}  (ms)")
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "ALL"
        print(f"{(row['Type'] + ' ' + name)[:48]:48} {row['Request Count']:>8} "
              f"{row['Failure Count']:>5} {float(row['Requests/s']):6.1f} {row['50%']:>6} "
              f"{row['95%']:>6} {row['99%']:>6} {float(row['Max Response Time']):7.0f}")
    if failures:
        print("\nErrors:")
        for row in failures:
            print(f"  {row['Occurrences']:>5} x {row['Method']} {row['Name']}: {row['Error']}")
    else:
        print("\nNo errors.")
    work = work_percentiles(out)
    if work:
        print("Without the sign-in: p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms"
              .format(**work))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    return {"users": users, "requests": int(total["Request Count"]),
            "errors": sum(int(f["Occurrences"]) for f in failures),
            "rps": float(total["Requests/s"]), "p50": total["50%"], "p95": total["95%"],
            "p99": total["99%"], "max": float(total["Max Response Time"]), "load": load[0],
            "memory": memory, "work_p99": work.get("p99", 0.0)}


if __name__ == "__main__":
    sys.exit(main())
