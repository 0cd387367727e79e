"""`make loadtest`: start `outbreakhq serve` on loopback, run locustfile.py headless for a
bounded time, print requests per second, p50/p95/p99 per page and every error, stop the server.

    python bench/load/run.py [--users 50] [--minutes 3] [--workers 2] [--threads 4]

The data folder and database come from the environment as for every command
(OUTBREAKHQ_DATA_DIR, OUTBREAKHQ_DATABASE_URL); load the demo first (`outbreakhq demo
--no-serve`). Exit status 1 if any request failed. Figures: docs/benchmarks.md.
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
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--minutes", type=float, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
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
        env = {**os.environ, "OUTBREAKHQ_ALLOWED_HOSTS": "127.0.0.1,localhost"}
        server = subprocess.Popen(
            [sys.executable, "-m", "outbreakhq.cli", "serve", "--bind", f"127.0.0.1:{port}",
             "--workers", str(args.workers), "--threads", str(args.threads)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
    out = Path(tempfile.mkdtemp(prefix="outbreakhq-load-")) / "load"
    try:
        if server is not None:
            wait_until_up(host, server)
        started = time.monotonic()
        if server is not None and args.kill_worker_after:
            threading.Timer(args.kill_worker_after, kill_a_worker, [server.pid]).start()
        subprocess.run([sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"),
                        "--headless", "--host", host, "-u", str(args.users),
                        "-r", str(args.spawn_rate), "-t", f"{int(args.minutes * 60)}s",
                        "--csv", str(out), "--only-summary", "--loglevel", "WARNING"],
                       check=False)
        elapsed = time.monotonic() - started
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)  # gunicorn and the worker it started
            server.wait(timeout=60)
    return report(out, elapsed, args)


def report(out: Path, elapsed: float, args) -> int:
    rows = list(csv.DictReader(open(f"{out}_stats.csv", encoding="utf-8")))
    failures = list(csv.DictReader(open(f"{out}_failures.csv", encoding="utf-8")))
    print(f"\n{args.users} users, {args.minutes:g} min, {args.workers} workers x "
          f"{args.threads} threads ({elapsed:.0f} s with ramp-up)\n")
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
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
