"""`outbreakhq backup` / `restore` round trip on either database: every table compared."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from outbreakhq.core.models import Person
from outbreakhq.core.roles import Role
from tests.factories import make_person, make_user, territory

pytestmark = pytest.mark.django_db(transaction=True)


def every_table() -> dict[str, list]:
    tables = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (names from the catalogue)
            tables[table] = sorted(map(repr, cursor.fetchall()))
    return tables


def test_a_backup_restores_every_table_as_it_was(tmp_path):
    land = territory()
    make_user(Role.TRACER, land.county1, username="tina")
    for n in range(20):
        make_person(land.compound1, name=f"Person {n}")
    before = every_table()
    assert sum(map(len, before.values())) > 30
    target = tmp_path / "backup.db"
    out = io.StringIO()
    call_command("backup", str(target), stdout=out)
    assert target.stat().st_size > 0 and f"-> {target}" in out.getvalue()

    Person.objects.filter(name__startswith="Person 1").update(name="changed")  # after the backup
    make_person(land.compound1, name="added later")
    assert every_table() != before

    call_command("restore", str(target), stdout=io.StringIO())
    connection.close()
    after = every_table()
    assert after.keys() == before.keys()
    for table in before:
        assert after[table] == before[table], table


def test_a_file_that_is_no_backup_is_refused(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 10)
    with pytest.raises(CommandError, match="is not an? (SQLite|PostgreSQL) backup"):
        call_command("restore", str(junk))
    with pytest.raises(CommandError, match="There is no file"):
        call_command("restore", str(tmp_path / "missing.db"))


def test_a_backup_taken_while_others_write_is_consistent(tmp_path):
    """SQLite: the online backup API; PostgreSQL: pg_dump's snapshot."""
    import sqlite3
    import subprocess
    import threading

    land = territory()
    stop = threading.Event()

    def write():
        try:
            while not stop.is_set():
                make_person(land.compound1, name="written meanwhile")
        finally:
            connection.close()

    writers = [threading.Thread(target=write) for _ in range(4)]
    for thread in writers:
        thread.start()
    try:
        target = tmp_path / "live.db"
        call_command("backup", str(target), stdout=io.StringIO())
    finally:
        stop.set()
        for thread in writers:
            thread.join()
    if connection.vendor == "postgresql":
        listed = subprocess.run(["pg_restore", "--list", str(target)], capture_output=True,
                                text=True, check=True).stdout
        assert f"TABLE DATA public {Person._meta.db_table}" in listed
        return
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        copied = copy.execute(f"SELECT count(*) FROM {Person._meta.db_table}").fetchone()[0]
        keys = copy.execute("PRAGMA foreign_key_check").fetchall()
    assert keys == []
    assert 0 <= copied <= Person.objects.count()
