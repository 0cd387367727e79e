"""Taking turns for a read-then-write that no unique key can guard (a cycle check over links,
"the same request while an earlier one is open and recent"). On PostgreSQL two transactions
take a transaction-scoped advisory lock on the same (class, key) and the second waits for the
first to commit; SQLite needs nothing, because its transactions begin IMMEDIATE and write one
at a time (settings: `transaction_mode`)."""

from __future__ import annotations

import zlib

from django.db import connection

# Lock classes, one per rule: the first number of the advisory lock's pair.
SOURCE_LINKS = 4_0001  # the source links of one tenant (tracing)
PUBLIC_REQUEST = 4_0002  # one resident's request of one kind in one area (support)
DAILY_FIGURES = 4_0015  # one tree's daily figures and totals, recounted (command)


def key_of(*parts: object) -> int:
    """A signed 32-bit key from any values (the second number of the pair)."""
    value = zlib.crc32("\x1f".join(map(str, parts)).encode())
    return value - (1 << 32) if value >= 1 << 31 else value


def take_turns(lock_class: int, key: int) -> None:
    """Wait until no other transaction holds (lock_class, key); held until this one ends.
    Call it inside the transaction, before the read it guards."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [lock_class, key])
