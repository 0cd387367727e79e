"""SIGKILL of the production server during writes (issue 15), on SQLite and PostgreSQL (the test
database of the run): `outbreakhq serve` (gunicorn, 2 workers x 4 threads, the project's
arguments) takes case reports through the API from eight clients at once and is killed.

- Killed whole (master and workers): every case it acknowledged (201) is there, every case is
  whole (its person, its audit event; no person left without the case it came with), and a
  restarted server serves pages and takes writes.
- One worker killed under load: gunicorn replaces it, and only requests that worker held fail.

The static files are collected once per test session (about a minute, whitenoise's Brotli)
and every server here starts with --skip-collectstatic in seconds."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from django.db import connection

from outbreakhq.core.actor import Actor
from outbreakhq.core.models import AuditEvent, Person
from outbreakhq.core.roles import Role
from outbreakhq.core.tokens import issue_token
from outbreakhq.tracing.models import Case
from tests.factories import make_user, territory
from tests.faults.test_killed_import import database_url

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 8
KEY = "a-test-secret-key-for-the-killed-server-0123456789abcdef"


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory) -> Path:
    """The static files and their manifest, collected once for every server of the session."""
    data = tmp_path_factory.mktemp("static-data")
    subprocess.run([sys.executable, "-m", "outbreakhq.cli", "collectstatic", "--noinput",
                    "-v", "0"], env=server_env(data), check=True, timeout=600)
    return data / "static"


def server_env(data: Path) -> dict:
    env = {**os.environ, "OUTBREAKHQ_DATA_DIR": str(data), "OUTBREAKHQ_DEBUG": "0",
           "OUTBREAKHQ_SECRET_KEY": KEY, "OUTBREAKHQ_ALLOWED_HOSTS": "127.0.0.1,localhost",
           "OUTBREAKHQ_SKIP_COLLECTSTATIC": "1", "OUTBREAKHQ_HTTPS": "0"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if connection.settings_dict.get("NAME"):
        env["OUTBREAKHQ_DATABASE_URL"] = database_url()
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, data: Path, static: Path) -> None:
        data.mkdir(exist_ok=True)
        if not (data / "static").exists():
            (data / "static").symlink_to(static)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = data / "server.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "outbreakhq.cli", "serve", "--no-worker", "--no-scheduler",
             "--bind", f"127.0.0.1:{self.port}", "--workers", "2", "--threads", "4"],
            env=server_env(data), stdout=subprocess.DEVNULL, stderr=self.log.open("ab"),
            start_new_session=True)
        self.wait_until_up()

    def wait_until_up(self, seconds: float = 60) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            assert self.process.poll() is None, self.errors()
            try:
                with urllib.request.urlopen(self.url + "/login/", timeout=5) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("the server did not answer within a minute")

    def errors(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def workers(self) -> list[int]:
        """The gunicorn worker processes (children of the master `serve` exec'd into)."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    found.append(int(stat.parent.name))
            except (OSError, ValueError, IndexError):
                continue
        return found

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)  # master and workers, no goodbye
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a request still running: no need to wait for it
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)


class Reporters:
    """CLIENTS threads, each opening cases one after another through the API (a new connection
    for each, so a request fails only if it was in the server when the fault came)."""

    def __init__(self, url: str, secret: str, home: str) -> None:
        self.url, self.secret, self.home = url, secret, home
        self.acknowledged: dict[str, int] = {}  # external id -> case id, answered 201
        self.failed: list[tuple[float, str]] = []  # (when, error) of requests with no answer
        self.answers: list[int] = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(n,)) for n in range(CLIENTS)]

    def start(self) -> Reporters:
        for thread in self.threads:
            thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def run(self, n: int) -> None:
        i = 0
        while not self.stopping.is_set():
            i += 1
            if not self.post(f"KS-{n}-{i}", f"Killed Server {n}-{i}"):
                time.sleep(0.05)

    def post(self, external_id: str, name: str) -> bool:
        """Open one case; False if the server gave no answer."""
        body = json.dumps({
            "new_person": {"name": name, "home_area": self.home},
            "classification": "confirmed", "detection_route": "clinic",
            "report_date": date.today().isoformat(), "external_id": external_id}).encode()
        request = urllib.request.Request(
            self.url + "/api/v1/cases/", data=body, method="POST",
            headers={"Authorization": f"Bearer {self.secret}",
                     "Content-Type": "application/json", "Connection": "close"})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                self.answers.append(answer.status)
                if answer.status == 201:
                    self.acknowledged[external_id] = json.loads(answer.read())["id"]
        except urllib.error.HTTPError as exc:
            self.answers.append(exc.code)
        except OSError as exc:  # reset, refused: no answer
            self.failed.append((time.monotonic(), repr(exc)))
            return False
        return True


@pytest.fixture
def desk(tmp_path):
    land = territory()
    tracer = make_user(Role.TRACER, land.county1, username="kim")
    _token, secret = issue_token(actor=Actor.of(tracer), name="killed server")
    connection.close()  # the server writes; our connection must not hold SQLite's lock
    return land, secret


def assert_every_case_whole(acknowledged: dict[str, int]) -> int:
    cases = dict(Case.objects.filter(external_id__startswith="KS-")
                 .values_list("external_id", "pk"))
    lost = {k: v for k, v in acknowledged.items() if cases.get(k) != v}
    assert not lost, f"acknowledged cases lost after the kill: {sorted(lost)[:10]}"
    assert len(set(cases)) == len(cases)
    # Nothing half written: each person came with its case in one transaction, and so did the
    # case's audit event.
    orphans = Person.objects.filter(name__startswith="Killed Server ").exclude(
        pk__in=Case.objects.values("person_id")).count()
    assert orphans == 0, f"{orphans} people without the case they were created with"
    audited = set(AuditEvent.objects.filter(object_type="case", object_id__in=cases.values())
                  .values_list("object_id", flat=True))
    assert {str(pk) for pk in cases.values()} <= {str(pk) for pk in audited}
    connection.close()
    return len(cases)


def test_a_killed_server_loses_no_acknowledged_write_and_serves_again(
        tmp_path, desk, collected_static):
    land, secret = desk
    server = Server(tmp_path / "data", collected_static)
    try:
        reporters = Reporters(server.url, secret, land.compound1.code).start()
        time.sleep(4)
        server.kill()
        reporters.stop()
    finally:
        server.stop()
    assert len(reporters.acknowledged) >= 5, (reporters.answers[:20], reporters.failed[:5])
    assert set(reporters.answers) <= {201}, (set(reporters.answers), server.errors())
    stored = assert_every_case_whole(reporters.acknowledged)
    # A request cut by the kill may or may not have committed, never in part.
    assert stored <= len(reporters.acknowledged) + CLIENTS

    again = Server(tmp_path / "data", collected_static)  # waits for the sign-in page's 200
    try:
        after = Reporters(again.url, secret, land.compound1.code)
        assert after.post("KS-after-1", "Killed Server after restart"), after.failed
    finally:
        again.stop()
    assert after.answers == [201], after.answers
    assert assert_every_case_whole(reporters.acknowledged | after.acknowledged) >= stored + 1


def test_a_worker_killed_under_load_is_replaced_and_only_its_requests_fail(
        tmp_path, desk, collected_static):
    land, secret = desk
    server = Server(tmp_path / "data", collected_static)
    try:
        before = server.workers()
        assert len(before) == 2, before
        reporters = Reporters(server.url, secret, land.compound1.code).start()
        time.sleep(2)
        killed_at = time.monotonic()
        os.kill(before[0], signal.SIGKILL)
        time.sleep(5)
        reporters.stop()
        after = server.workers()
    finally:
        server.stop()
    assert len(after) == 2 and before[0] not in after, (before, after)
    # Only what the killed worker held when it died: at most one request per client, all
    # within the moment of the kill; every later request was answered.
    assert len(reporters.failed) <= CLIENTS, reporters.failed
    assert all(when - killed_at < 1.5 for when, _ in reporters.failed), reporters.failed
    assert set(reporters.answers) <= {201}, (set(reporters.answers), server.errors())
    assert len(reporters.acknowledged) > 10
    assert_every_case_whole(reporters.acknowledged)
