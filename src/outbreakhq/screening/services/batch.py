"""A batch of sealed tubes answered tube by tube (issue 9, the 9 a.m. surge): a site back online
sends its backlog, a busy site sends several tubes a request. Unlike the bulk path (all or
none, for files), every tube gets its own answer: created, unchanged (the same tube sent
before) or refused with its errors by row, field and reason; the good tubes are written.

The checks and the write are those of bulk.submit_tubes (set-based, one transaction for the
batch's good tubes). When another request commits a conflicting tube between our checks and
our write (the same barcode, or a person sampled at two sites at once), the database's unique
constraints refuse the write as a whole; the batch is then checked again and finds that tube,
so each of its tubes is still answered on its own (a resent tube: unchanged). An attempt reads
from one snapshot, so its checks agree with each other."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.core.roles import Can
from outbreakhq.core.scoped import require_role
from outbreakhq.screening.services.bulk import submit_tubes

MAX_BATCH = 500  # tubes a request: a site's backlog of a morning; the answer stays small
ATTEMPTS = 3
DEADLOCK = "40P01"
SERIALIZATION = "40001"  # a write that meets a row committed after the attempt's snapshot


@dataclass(frozen=True)
class TubeAnswer:
    row: int
    barcode: str
    status: str  # "created", "unchanged" or "refused"
    errors: list[FieldError] = field(default_factory=list)


def submit_tube_batch(*, actor: Actor, rows: Sequence[Mapping]) -> list[TubeAnswer]:
    """Rows of {barcode, members, site, round, retest}, answered in order, one answer a row
    (rows numbered from 1). Sending the same batch again answers every tube "unchanged".
    1 to MAX_BATCH rows, else refused as a whole (here, not in each caller)."""
    require_role(actor, Can.COLLECT_SAMPLES, what="tube")
    if not rows or len(rows) > MAX_BATCH:
        raise InvalidInput(_("No tube was saved."), [FieldError("tubes", _(
            "send 1 to %(max)d tubes a request") % {"max": MAX_BATCH})])
    rows = [r if isinstance(r, Mapping) else {} for r in rows]
    for attempt in range(1, ATTEMPTS + 1):
        try:
            outermost = not connection.in_atomic_block  # else the caller's transaction rules
            with transaction.atomic():
                if outermost:
                    _one_snapshot()
                done = submit_tubes(actor=actor, rows=rows, partial=True)
            break
        except (DatabaseError, connection.Database.DatabaseError) as error:
            # COPY raises the driver's own errors, not Django's: both are read here.
            if attempt == ATTEMPTS or not _lost_a_race(error):
                raise
    errors: dict[int, list[FieldError]] = {}
    for error in done.errors:
        errors.setdefault(error.row, []).append(error)
    return [TubeAnswer(row=row, barcode=str(values.get("barcode") or "").strip(),
                       status=done.outcome.get(row, "refused"), errors=errors.get(row, []))
            for row, values in enumerate(rows, start=1)]


def _one_snapshot() -> None:
    """Every read of an attempt sees the database at one moment (PostgreSQL's REPEATABLE
    READ; SQLite's write transaction already does): else another request committing between
    the barcode read and the "already sampled" read made a resent tube read as someone
    sampled twice, where it is the same tube."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def _lost_a_race(error: BaseException) -> bool:
    """Another request wrote a conflicting tube first (a unique constraint), or two batches
    sharing tubes waited on each other (a deadlock, rare: tubes are written in barcode
    order)."""
    if isinstance(error, IntegrityError | connection.Database.IntegrityError):
        return True
    sqlstate = getattr(error.__cause__, "sqlstate", None) or getattr(error, "sqlstate", None)
    return sqlstate in (DEADLOCK, SERIALIZATION)
