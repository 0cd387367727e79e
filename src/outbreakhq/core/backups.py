"""`outbreakhq backup FILE` and `outbreakhq restore FILE` for either database (issue 15).

- SQLite: SQLite's online backup API copies the database page by page in one read transaction:
  in WAL mode the server keeps writing meanwhile, and the copy is the database as it was at one
  commit. A restore copies the file back the same way, under the write lock.
- PostgreSQL: `pg_dump --format=custom` (one consistent snapshot; the server keeps writing) and
  `pg_restore --clean --if-exists --single-transaction`, which replaces every table or nothing.

Restore the data folder's `secret_key` with the database: sessions and signed values need it.
Stop the server (and `db_worker`) before a restore: it replaces the whole database.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connection
from django.utils.translation import gettext as _

from outbreakhq.core.errors import InvalidInput

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


def backup(target: Path) -> str:
    """Write a consistent copy of the database to `target`; the kind written ("sqlite" or
    "postgresql")."""
    target = Path(target)
    tmp = target.with_name(target.name + ".partial")
    tmp.unlink(missing_ok=True)
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(tmp) as copy:
            connection.connection.backup(copy)  # pages=-1: one step, one snapshot
        copy.close()
    else:
        _pg("pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(tmp))
    os.replace(tmp, target)  # a half-written backup never carries the final name
    return connection.vendor


def restore(source: Path) -> str:
    """Replace the database's content with the backup in `source`."""
    source = Path(source)
    if not source.is_file():
        raise InvalidInput(_("There is no file %(path)s.") % {"path": source})
    with source.open("rb") as raw:
        start = raw.read(16)
    if connection.vendor == "sqlite":
        if start != SQLITE_MAGIC:
            raise InvalidInput(_("%(path)s is not an SQLite backup.") % {"path": source})
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as backup_db:
            if backup_db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise InvalidInput(_("%(path)s fails SQLite's integrity check; nothing was "
                                     "restored.") % {"path": source})
            connection.ensure_connection()
            backup_db.backup(connection.connection)
        backup_db.close()
    else:
        if not start.startswith(PG_MAGIC):
            raise InvalidInput(_("%(path)s is not a PostgreSQL backup (pg_dump --format=custom)."
                                 ) % {"path": source})
        connection.close()  # ours must not hold a lock on a table pg_restore drops
        _pg("pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
            "--single-transaction", "--dbname", connection.settings_dict["NAME"], str(source))
    return connection.vendor


def _pg(tool: str, *args: str) -> None:
    if shutil.which(tool) is None:
        raise InvalidInput(_("%(tool)s is not installed (Debian: apt-get install "
                             "postgresql-client).") % {"tool": tool})
    settings = connection.settings_dict
    env = {**os.environ, "PGDATABASE": settings["NAME"], "PGUSER": settings.get("USER") or "",
           "PGPASSWORD": settings.get("PASSWORD") or "", "PGHOST": settings.get("HOST") or "",
           "PGPORT": str(settings.get("PORT") or "")}
    env = {k: v for k, v in env.items() if v != ""}
    done = subprocess.run([tool, *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise InvalidInput(_("%(tool)s failed: %(reason)s") % {
            "tool": tool, "reason": done.stderr.strip()[-2000:]})
