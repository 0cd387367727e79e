"""`make test`: the whole suite on SQLite and, at the same time, everything that touches the
database on PostgreSQL, browser tests excepted. Under OUTBREAKHQ_REQUIRE_ALL=1 a missing
PostgreSQL or Chromium fails the run.

The two passes run side by side, each with two workers (the machines have two cores): the SQLite
pass prints as it goes, the PostgreSQL pass's output is kept and printed when both are done.
Each pass has its own data folder and its own test database (tests/settings.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

PG_URL = os.environ.get("OUTBREAKHQ_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REQUIRE_ALL = os.environ.get("OUTBREAKHQ_REQUIRE_ALL") == "1"


def pg_reachable(url: str) -> str | None:
    """None if PostgreSQL answers, else the reason."""
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=5) as conn:
            conn.execute("select 1")
    except Exception as exc:  # any failure means: not usable for the tests
        return str(exc).strip().splitlines()[0]
    return None


# Two pytest-xdist workers per pass, a test file per worker at a time (module fixtures stay
# whole): a pass waits on servers, browsers and subprocesses for about half its time.
WORKERS = ["-n", os.environ.get("OUTBREAKHQ_TEST_WORKERS", "2"), "--dist", "loadfile"]


def start(env: dict, *args: str, log=None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pytest", *WORKERS, *args], env=env, stdout=log,
                            stderr=subprocess.STDOUT if log else None)


def verdict(label: str, code: int) -> int:
    if code == 5:
        print(f"{label}: pytest collected no tests; that is a failure.", flush=True)
        return 1
    return code


def main() -> int:
    base = {k: v for k, v in os.environ.items() if k != "OUTBREAKHQ_DATABASE_URL"}
    reason = pg_reachable(PG_URL)
    postgres = log = None
    if reason is None:
        log = tempfile.TemporaryFile(mode="w+")
        # Browser tests drive the same views and services as the page tests: once, on SQLite,
        # is what they are for; the database's own behaviour is what this pass checks.
        postgres = start({**base, "OUTBREAKHQ_DATABASE_URL": PG_URL},
                         "-m", "not nodb and not browser", *sys.argv[1:], log=log)
    print("\n===== SQLite: the whole suite =====", flush=True)
    failures = verdict("SQLite", start(base, *sys.argv[1:]).wait())
    if postgres is not None:
        code = postgres.wait()
        log.seek(0)
        print("\n===== PostgreSQL: every test that uses the database (browser tests ran on "
              "SQLite) =====\n" + log.read(), flush=True)
        failures |= verdict("PostgreSQL", code)
    elif REQUIRE_ALL:
        print(f"FAILED: PostgreSQL at {PG_URL} is required but unreachable: {reason}")
        failures = 1
    else:
        print("\n" + "!" * 78 + f"\nNOTICE: PostgreSQL tests SKIPPED: {PG_URL}: {reason}\n"
              "Set OUTBREAKHQ_TEST_PG_URL or start PostgreSQL (docs/operations.md).\n" + "!" * 78)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
