"""The server's own CPU cost of one sealed tube (issue 9, the 9 a.m. surge), load-independent:
`POST /api/v1/screening/tubes/` (one tube of 10 people, an API token) called through the WSGI
handler in this process, as gunicorn calls it, with no HTTP and no client on the same cores.
Prints CPU milliseconds a submission (time.process_time, which a busy machine inflates far less
than wall time), wall milliseconds, and the SQL statements a submission sends; `--profile`
adds the cProfile functions that cost most (cumulative).

    createdb -h 127.0.0.1 -U postgres bench_surge
    OUTBREAKHQ_DATA_DIR=$(mktemp -d) \
    OUTBREAKHQ_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_surge \
        .venv/bin/python bench/surge_cpu.py --tubes 2000 [--profile]

The budget (issue 9): 300 tubes a second on 2 cores, with the client on the same machine,
leaves at most about 2.5 ms of server CPU a tube. The first `--warm` submissions (connection,
imports, caches) are not counted.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outbreakhq.settings")
os.environ.setdefault("OUTBREAKHQ_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")


def environ_of(body: bytes, token: str) -> dict:
    """A WSGI environ as gunicorn builds it for the request."""
    return {"REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/screening/tubes/",
            "SCRIPT_NAME": "", "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1:8000", "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)), "HTTP_AUTHORIZATION": f"Bearer {token}",
            "HTTP_USER_AGENT": "surge-cpu", "HTTP_CONNECTION": "keep-alive",
            "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": True,
            "wsgi.run_once": False, "wsgi.version": (1, 0)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tubes", type=int, default=2000)
    parser.add_argument("--warm", type=int, default=50)
    parser.add_argument("--pool", type=int, default=10)
    parser.add_argument("--operators", type=int, default=8)
    parser.add_argument("--profile", action="store_true", help="cProfile, top 40 cumulative")
    args = parser.parse_args()
    os.environ.setdefault("OUTBREAKHQ_DEBUG", "0")
    from bench.screening_surge import prepare

    args.tubes += args.warm
    tokens, site, round_, tubes = prepare(args)
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    app = WSGIHandler()
    tag = f"C{time.time_ns() % 10**6:06d}-"
    bodies = [json.dumps({"barcode": f"{tag}{k:08d}", "members": tubes[k], "site": site,
                          "round": round_}).encode() for k in range(len(tubes))]

    def submit(k: int) -> None:
        status = []
        out = app(environ_of(bodies[k], tokens[k % len(tokens)]),
                  lambda s, h, exc=None: status.append(s))
        b"".join(out)
        out.close()
        if not status[0].startswith("201"):
            raise SystemExit(f"tube {k}: {status[0]} {b''.join(out)!r}")

    for k in range(args.warm):
        submit(k)
    with CaptureQueriesContext(connection) as queries:
        submit(args.warm)
    print(f"load at start: {load()}")
    print(f"statements of one submission ({len(queries)}):")
    for q in queries.captured_queries:
        print("   ", q["sql"][:150])
    counted = range(args.warm + 1, len(tubes))
    profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not waits
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    for k in counted:
        submit(k)
    if profiler:
        profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    n = len(counted)
    print(f"{n:,} submissions on {connection.vendor}: CPU {cpu / n * 1000:.2f} ms a tube "
          f"(budget 2.5 ms), wall {wall / n * 1000:.2f} ms a tube, CPU/wall {cpu / wall:.2f}"
          f"{' (under cProfile: inflated)' if profiler else ''}")
    print(f"load at end: {load()}")
    if profiler:
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text).sort_stats("cumulative")
        stats.print_stats(40)
        if os.environ.get("SURGE_PROFILE_FILE"):
            stats.dump_stats(os.environ["SURGE_PROFILE_FILE"])
        print(text.getvalue())


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


if __name__ == "__main__":
    main()
