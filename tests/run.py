"""`make test`: the whole suite on SQLite, then everything that touches the database again on
PostgreSQL, browser tests excepted. Under OUTBREAKHQ_REQUIRE_ALL=1 a missing PostgreSQL or
Chromium fails the run."""

from __future__ import annotations

import os
import subprocess
import sys

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


def pytest(label: str, env: dict, *args: str) -> int:
    print(f"\n===== {label} =====", flush=True)
    code = subprocess.call([sys.executable, "-m", "pytest", *args], env=env)
    if code == 5:
        print(f"{label}: pytest collected no tests; that is a failure.", flush=True)
        return 1
    return code


def main() -> int:
    base = {k: v for k, v in os.environ.items() if k != "OUTBREAKHQ_DATABASE_URL"}
    failures = pytest("SQLite: the whole suite", base, *sys.argv[1:])
    reason = pg_reachable(PG_URL)
    if reason is None:
        env = {**base, "OUTBREAKHQ_DATABASE_URL": PG_URL}
        # Browser tests drive the same views and services as the page tests: once, on SQLite,
        # is what they are for; the database's own behaviour is what the second pass checks.
        failures |= pytest("PostgreSQL: every test that uses the database (browser tests ran "
                           "on SQLite)", env, "-m", "not nodb and not browser", *sys.argv[1:])
    elif REQUIRE_ALL:
        print(f"FAILED: PostgreSQL at {PG_URL} is required but unreachable: {reason}")
        failures = 1
    else:
        print("\n" + "!" * 78 + f"\nNOTICE: PostgreSQL tests SKIPPED: {PG_URL}: {reason}\n"
              "Set OUTBREAKHQ_TEST_PG_URL or start PostgreSQL (docs/operations.md).\n" + "!" * 78)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
