"""The `outbreakhq` console command: Django management with the project's settings preset."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outbreakhq.settings")
    from django.core.management import execute_from_command_line
    from django.db import DatabaseError

    try:
        execute_from_command_line(["outbreakhq", *(sys.argv[1:] if argv is None else argv)])
    except DatabaseError:
        # A fresh checkout (or an upgrade) whose database lacks tables: say what to run instead
        # of showing a traceback ending in "no such table".
        hint = unmigrated_hint()
        if hint is None:
            raise
        sys.exit(hint)


def unmigrated_hint() -> str | None:
    """What to do when migrations are not applied to the configured database, else None."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        missing = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:  # the database itself is unreachable: the original error says more
        return None
    if not missing:
        return None
    return (f"The database ({connection.settings_dict['NAME']}) is not set up for this version: "
            f"{len(missing)} migrations are not applied. Run `outbreakhq migrate` first "
            "(.venv/bin/outbreakhq migrate from the project root).")


if __name__ == "__main__":
    main()
