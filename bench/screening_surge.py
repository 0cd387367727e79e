"""The 9 a.m. surge: sealed tubes submitted over HTTP (API tokens) to the production server
(`outbreakhq serve`: gunicorn) on loopback from many concurrent clients, for a bounded time.
Two modes: `--mode single` (`POST /api/v1/screening/tubes/`, one request = one sealed tube)
and `--mode batch` (`POST /api/v1/screening/tubes/batch`, `--batch` tubes a request, each
answered on its own). Prints tubes (and people) a second sustained, p50/p95/p99 latency of a
request and the same run's figures per tube, every error (there must be none), the machine
load (`uptime`) before and after, and the server's and this process's peak memory.

    createdb -h 127.0.0.1 -U postgres bench_surge
    OUTBREAKHQ_DATA_DIR=$(mktemp -d) \
    OUTBREAKHQ_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_surge \
        .venv/bin/python bench/screening_surge.py --clients 32 --seconds 60 [--mode batch]

The people (tubes x pool) are written first with core/bulk.py (not timed); each client
holds one keep-alive connection and its own operator's token and sends the next tube as soon
as the previous one is answered (a closed loop: the figure is the server's capacity, not an
offered rate). The clients are coroutines of one thread writing raw HTTP/1.1 (asyncio
streams), so that they take little of the cores the server needs; the run prints the
client's own CPU share. Exit status 1 if any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outbreakhq.settings")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def prepare(args) -> tuple[list[str], int, int, list[list[str]]]:
    """Tokens (one operator each), the site and round, and the tubes' member codes."""
    import django

    django.setup()
    from django.core.management import call_command

    from bench.screening_pipeline import _has_territory, _territory, make_people
    from outbreakhq.core.actor import Actor
    from outbreakhq.core.tokens import issue_token
    from outbreakhq.screening import services
    from tests.factories import make_user, territory

    call_command("migrate", verbosity=0)
    tag = time.time_ns()
    land = _territory() if _has_territory() else territory()
    planner = Actor.for_command(make_user("commander", land.region, username=f"plan-{tag}"))
    campaign = services.create_campaign(actor=planner, name=f"Surge {tag}",
                                        area_code=land.compound1.code)
    round_ = services.create_round(actor=planner, campaign=campaign, day=date.today())
    site = services.create_site(actor=planner, name="Surge site", area_code=land.compound1.code)
    tokens = []
    for n in range(args.operators):
        user = make_user("screening", land.county1, username=f"op{n}-{tag}")
        tokens.append(issue_token(actor=Actor.for_command(user), name="surge bench")[1])
    ids = make_people(args.tubes * args.pool, land.compound1)
    codes = [services.code_of(p) for p in ids]
    tubes = [codes[i:i + args.pool] for i in range(0, len(codes), args.pool)]
    return tokens, site.pk, round_.pk, tubes


class Answer:
    """One HTTP/1.1 answer read off a keep-alive connection: status, body, and whether the
    server closes the connection after it."""

    __slots__ = ("status", "body", "close")

    def __init__(self, status: int, body: bytes, close: bool = False):
        self.status, self.body, self.close = status, body, close


async def _read_answer(reader: asyncio.StreamReader) -> Answer:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length, close = 0, False
    for line in lines[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
        elif line.lower().replace(b" ", b"") == b"connection:close":
            close = True  # the worker is being replaced (--max-requests): open a new one
    return Answer(status, await reader.readexactly(length) if length else b"", close)


async def client(port: int, token: str, work, tubes, site: int, round_: int, tag: str,
                 latencies: list, done: list, errors: list, stop: asyncio.Event,
                 batch: int, finished: list, resent: list) -> None:
    """One keep-alive connection (asyncio streams: the whole client is one thread, so that
    it takes as little of the two cores the server needs as it can). Single mode (batch 0):
    one tube a request, 201 expected. Batch mode: `batch` tubes a request, 200 and every
    tube answered "created" expected.

    As HTTP clients do (browsers, urllib3): a "Connection: close" answer is followed by a new
    connection, and a request on a kept-alive connection that the server closed before
    sending a byte (a worker replaced after --max-requests drops its idle connections) is
    sent once more on a new one, counted in `resent`, not in the errors; a sealed tube is
    idempotent by barcode, so a resend that the server had seen answers the same."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    path = "/api/v1/screening/tubes/batch" if batch else "/api/v1/screening/tubes/"
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            "Content-Length: ").encode()
    while not stop.is_set():
        try:
            ks = [next(work) for _ in range(max(batch, 1))]
        except StopIteration:
            break
        rows = [{"barcode": f"{tag}{k:08d}", "members": tubes[k], "site": site,
                 "round": round_} for k in ks]
        body = json.dumps({"tubes": rows} if batch else rows[0]).encode()
        request = head + str(len(body)).encode() + b"\r\n\r\n" + body
        started = time.perf_counter()
        answer = None
        for attempt in (1, 2):
            try:
                writer.write(request)
                answer = await asyncio.wait_for(_read_answer(reader), 60)
                break
            except (OSError, ValueError, TimeoutError, asyncio.IncompleteReadError) as error:
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                closed_early = (isinstance(error, asyncio.IncompleteReadError)
                                and not error.partial)
                if attempt == 1 and closed_early:
                    resent.append(ks[0])
                    continue
                errors.append(f"tubes {ks[0]}..{ks[-1]}: {error!r}")
        if answer is None:
            continue
        finished.append(time.perf_counter())
        latencies.append(finished[-1] - started)
        if answer.close:
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        expected = {200} if batch else {201} | ({200} if resent and resent[-1] == ks[0] else set())
        if answer.status not in expected:  # 200 for a resent tube the server had recorded
            errors.append(f"tubes {ks[0]}..{ks[-1]}: HTTP {answer.status} "
                          f"{answer.body[:200]!r}")
            continue
        created = len(ks) if not batch else json.loads(answer.body)["created"]
        done.append(created)
        if created != len(ks):
            errors.append(f"tubes {ks[0]}..{ks[-1]}: {created} of {len(ks)} created "
                          f"{answer.body[:300]!r}")
    writer.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=60, help="a phase")
    parser.add_argument("--tubes", type=int, default=40_000, help="tubes prepared (at most)")
    parser.add_argument("--pool", type=int, default=10)
    parser.add_argument("--operators", type=int, default=8, help="tokens (one per operator)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--mode", choices=("single", "batch", "both"), default="both",
                        help="both: one tube a request (the baseline), then batches, same run")
    parser.add_argument("--batch", type=int, default=10, help="tubes a request (batch mode)")
    args = parser.parse_args()
    tokens, site, round_, tubes = prepare(args)
    port = free_port()
    env = {**os.environ, "OUTBREAKHQ_ALLOWED_HOSTS": "127.0.0.1,localhost",
           "OUTBREAKHQ_DEBUG": "0"}
    server = subprocess.Popen(
        [sys.executable, "-m", "outbreakhq.cli", "serve", "--bind", f"127.0.0.1:{port}",
         "--workers", str(args.workers), "--threads", str(args.threads)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    phases = {"single": [0], "batch": [args.batch], "both": [0, args.batch]}[args.mode]
    work = _Locked(iter(range(len(tubes))))  # every prepared tube is sent once, by one phase
    rates, failed = [], False
    try:
        _wait_until_up(port, server)
        for batch in phases:
            rate, errors = phase(args, port, tokens, work, tubes, site, round_, batch)
            rates.append(rate)
            failed = failed or bool(errors)
        server_mb = _tree_peak_mb(server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    print(f"server peak RSS {server_mb}; client peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if len(rates) == 2 and rates[0]:
        print(f"ratio: batches of {args.batch} / one tube a request = "
              f"{rates[1] / rates[0]:.2f}x tubes/s")
    sys.exit(1 if failed else 0)


def phase(args, port: int, tokens: list[str], work, tubes, site: int, round_: int,
          batch: int) -> tuple[float, list[str]]:
    """One timed phase (closed loop, `args.clients` connections); prints its line and this
    client's own share of the machine's CPU (it runs on the server's cores)."""
    print(f"before: {load()}")
    latencies: list[float] = []
    created: list[int] = []
    errors: list[str] = []
    finished: list[float] = []
    resent: list[int] = []
    tag = f"H{time.time_ns() % 10**6:06d}-"

    async def run() -> None:
        stop = asyncio.Event()
        clients = [asyncio.create_task(client(
            port, tokens[n % len(tokens)], work, tubes, site, round_, tag, latencies,
            created, errors, stop, batch, finished, resent)) for n in range(args.clients)]
        await asyncio.sleep(args.seconds)
        stop.set()
        await asyncio.gather(*clients)

    cpu, started = time.process_time(), time.perf_counter()
    asyncio.run(run())
    cpu, elapsed = time.process_time() - cpu, time.perf_counter() - started
    print(f"after:  {load()}")
    if work.exhausted and finished:  # the prepared tubes ran out: time to the last answer
        elapsed = max(finished) - started
        print(f"  (all prepared tubes sent after {elapsed:.1f} s: raise --tubes for a "
              f"full {args.seconds} s phase)")
    done = sum(created)
    ordered = sorted(latencies) or [0.0]

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000
    mode = f"batches of {batch} tubes" if batch else "one tube a request"
    print(f"{mode}, {args.clients} clients, {args.workers} workers x {args.threads} threads, "
          f"{elapsed:.0f} s: {len(latencies):,} requests, {done:,} tubes = "
          f"{done / elapsed:,.1f} tubes/s ({done * args.pool / elapsed:,.0f} people/s); "
          f"request latency p50 {pct(0.5):.0f} ms, p95 {pct(0.95):.0f} ms, "
          f"p99 {pct(0.99):.0f} ms, mean {statistics.fmean(ordered) * 1000:.0f} ms; "
          f"errors {len(errors)}; sent again on a new connection {len(resent)}")
    print(f"  the client's own CPU: {cpu:.1f} s in {elapsed:.0f} s = {cpu / elapsed:.0%} of "
          f"one core, {cpu / elapsed / (os.cpu_count() or 1):.0%} of the machine "
          f"({cpu / max(len(latencies), 1) * 1000:.2f} ms a request)")
    for error in errors[:20]:
        print("  error:", error)
    return done / elapsed, errors


class _Locked:
    """A generator shared by threads (next() under a lock)."""

    def __init__(self, gen):
        self.gen, self.lock = gen, threading.Lock()
        self.exhausted = False

    def __iter__(self):
        return self

    def __next__(self):
        with self.lock:
            try:
                return next(self.gen)
            except StopIteration:
                self.exhausted = True
                raise


def _wait_until_up(port: int, server: subprocess.Popen, seconds: int = 600) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped at start (exit {server.returncode})")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5)
            return
        except OSError:
            time.sleep(1)
    raise SystemExit("the server did not answer in time")


def _tree_peak_mb(root: int) -> str:
    """The gunicorn master and workers' peak resident memory (VmHWM), summed."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if status.parent.name == str(root) or fields.get("PPid", "").strip() == str(root):
            total += int(fields.get("VmHWM", "0 kB").split()[0])
    return f"{total / 1024:.0f} MB"


if __name__ == "__main__":
    main()
