"""`outbreakhq import samples|results FILE`: files of sealed tubes and lab results, streamed in
batches (bounded memory), one transaction per batch, idempotent by barcode: a run killed
half-way and run again lands every row once. Registered with interop as streaming kinds
(apps.py): these files run to millions of rows, which interop's whole-file plan does not hold.

samples: a CSV with the header `barcode,site,round,members[,retest][,collected_at]` (members:
screening codes or identity numbers separated by `;` or spaces; collected_at: ISO 8601 with
its offset), one sealed tube per line, or a FHIR R4 Bundle
of Specimens (`.json`, screening/fhir.py).
results: a CSV with the header `barcode,result[,ct]`, or a FHIR R4 Bundle of Observations
(`.json`). A bundle is one message: it is read whole, then written in batches.

Without `partial` nothing is written when any row is refused: the whole file is first checked
batch by batch inside one transaction that is rolled back (so that a row is checked against the
rows before it, across batches), then committed batch by batch. With `partial` there is one
pass: each batch's good rows are committed and its bad rows reported.

A file is one message when it has an id (`message_id`, the command's `--message-id`; for a
bundle without one, its identifier or id), the same ids as the API's (services/messages.py:
per user and kind, one id a body): once every row is in, its totals are stored with the id
and the file's SHA-256, so the same file again is answered "already processed" from them
without reading a row, and the id with another file is refused. A run killed half-way stored
nothing: run again, it lands the rest (idempotent by barcode) and then stores the answer. A
file with refused rows stores nothing either (correct it and send it again with its id). A CSV
without `--message-id` is idempotent by barcode only: every row is read and checked again.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.core.roles import Can
from outbreakhq.interop.registry import Streamed, StreamingImporter, register_streaming
from outbreakhq.screening import fhir, services
from outbreakhq.screening.services import messages
from outbreakhq.screening.services.common import user_of

BATCH = 2000
COLUMNS = {"samples": ("barcode", "site", "round", "members"), "results": ("barcode", "result")}

# errors of a batch, and the batch's cells by row number (for the error file's value column)
OnErrors = Callable[[list[FieldError], dict[int, dict]], None]


@dataclass
class Outcome:
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    refused: int = 0
    recalls: int = 0
    positives: int = 0
    reported: int = 0
    errors: list[FieldError] = field(default_factory=list)  # when no on_errors is given


class _RolledBack(Exception):
    """Leaves the check pass's transaction without committing it."""


def is_bundle(path: Path) -> bool:
    return path.suffix.lower() == ".json"


def count_rows(path: Path) -> int:
    """Rows of a CSV file (its lines less the header), read in blocks: the progress bar's
    total. A bundle counts its entries when read."""
    lines, last = 0, b"\n"
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            lines += block.count(b"\n")
            last = block[-1:]
    return max(lines + (last != b"\n") - 1, 0)


def batches(path: Path, kind: str, size: int = BATCH) -> Iterator[tuple[int, list[dict]]]:
    """(first row number, rows) of the file, `size` rows at a time (header = row 1; in a
    bundle, a row's number is its entry's)."""
    if is_bundle(path):
        text = path.read_text(encoding="utf-8-sig")
        rows = fhir.read_specimens(text) if kind == "samples" else fhir.read_bundle(text)
        for start in range(0, len(rows), size):
            yield rows[start]["entry"], rows[start:start + size]
        return
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        names = {(n or "").strip().lower(): n for n in reader.fieldnames or ()}
        missing = [c for c in COLUMNS[kind] if c not in names]
        if missing:
            raise InvalidInput(_("%(file)s was not imported.") % {"file": path.name}, [
                FieldError(c, _("the header has no column %(c)s") % {"c": c}, 1)
                for c in missing])
        batch, first = [], 2
        for number, row in enumerate(reader, start=2):
            batch.append({k: (row.get(v) or "").strip() for k, v in names.items() if k})
            if len(batch) == size:
                yield first, batch
                batch, first = [], number + 1
        if batch:
            yield first, batch


def _numbers(first: int, rows: list[dict]) -> list[int]:
    """The file's number of each row: its entry in a bundle, else consecutive from `first`."""
    return [row.get("entry", first + i) for i, row in enumerate(rows)]


def _renumbered(errors: list[FieldError], numbers: list[int]) -> list[FieldError]:
    """Rows numbered 1, 2, … of a batch named by the file's numbers instead."""
    return [FieldError(e.field, e.message, numbers[e.row - 1]) if e.row else e for e in errors]


def _one_batch(actor: Actor, kind: str, rows: list[dict], first: int, numbers: list[int],
               partial: bool):
    """A CSV's rows are numbered by the services from `first`; a bundle's are numbered 1, 2, …
    and renamed to their entries (a message naming another row of the same batch, "also on
    row N", counts the bundle's rows of that kind)."""
    bundle = "entry" in rows[0]
    start = 1 if bundle else first
    try:
        if kind == "samples":
            done = services.submit_tubes(actor=actor, rows=rows, first_row=start,
                                         partial=partial)
        else:
            done = services.record_results(actor=actor, rows=rows, first_row=start,
                                           partial=partial)
    except InvalidInput as refused:
        if not bundle:
            raise
        raise InvalidInput(refused.message, _renumbered(refused.errors, numbers)) from None
    if bundle:
        done.errors = _renumbered(done.errors, numbers)
    return done


def import_file(*, actor: Actor, kind: str, path: Path, partial: bool = False,
                size: int = BATCH, on_errors: OnErrors | None = None,
                progress: Callable[[int], None] | None = None) -> Outcome:
    """One pass over `path`, a transaction a batch. Without `partial` it stops at the first
    batch with a bad row (InvalidInput; the batches before it stay written: run() checks the
    whole file first); with `partial`, good rows are kept and every bad row is reported, to
    `on_errors` as each batch is done (or in Outcome.errors without it)."""
    outcome = Outcome()
    for first, rows in batches(path, kind, size):
        numbers = _numbers(first, rows)
        done = _one_batch(actor, kind, rows, first, numbers, partial)
        if kind == "samples":
            outcome.created += done.created
        else:
            outcome.created += done.resulted
            outcome.recalls += done.recalls
            outcome.positives += done.positives
            outcome.reported += done.reported
        outcome.unchanged += done.unchanged
        if done.errors:
            outcome.refused += len({e.row for e in done.errors})
            if on_errors is not None:
                on_errors(done.errors, {n: _cells(r) for n, r in zip(numbers, rows,
                                                                     strict=True)
                                        if n in {e.row for e in done.errors}})
            else:
                outcome.errors += done.errors
        outcome.rows += len(rows)
        if progress:
            progress(outcome.rows)
    return outcome


def _cells(row: dict) -> dict:
    return {k: " ".join(v) if isinstance(v, list) else str(v) for k, v in row.items()}


def check_file(*, actor: Actor, kind: str, path: Path, size: int = BATCH,
               on_errors: OnErrors | None = None,
               progress: Callable[[int], None] | None = None) -> Outcome:
    """What importing `path` would do, every bad row reported, nothing written: the batches
    are written inside one transaction that is rolled back at the end."""
    found: list[Outcome] = []
    try:
        with transaction.atomic():
            found.append(import_file(actor=actor, kind=kind, path=path, partial=True,
                                     size=size, on_errors=on_errors, progress=progress))
            raise _RolledBack
    except _RolledBack:
        pass
    return found[0]


def run(*, kind: str, actor: Actor, path: Path, partial: bool = False, dry_run: bool = False,
        on_errors: OnErrors | None = None, progress: Callable[[int, int], None] | None = None,
        size: int = BATCH, message_id: str | None = None) -> Streamed:
    """The streaming importer interop's `import` command calls (registry.StreamingImporter)."""
    message = _message(kind, actor, path, message_id)
    if message is not None:
        earlier = messages.stored_answer(**message, source=_source(message_id))
        if earlier is not None:
            return _replayed(earlier, kind, message["key"])
    total = 0 if is_bundle(path) else count_rows(path)
    passes = 1 if (partial and not dry_run) else (1 if dry_run else 2)
    tick = (lambda offset: lambda rows: progress(offset + rows, max(total, rows) * passes)) \
        if progress else (lambda offset: None)
    if dry_run or not partial:
        checked = check_file(actor=actor, kind=kind, path=path, size=size, on_errors=on_errors,
                             progress=tick(0))
        if dry_run or checked.refused:
            return _streamed(checked, kind)
        total = total or checked.rows
    done = import_file(actor=actor, kind=kind, path=path, partial=partial, size=size,
                       on_errors=on_errors, progress=tick(total if passes == 2 else 0))
    if message is not None and not done.refused:
        # Every row is in (a killed run never gets here): from now on the file is answered
        # from this, or from a copy's answer if one finished first.
        earlier = messages.remember(**message, answer=_answer(done, kind))
        if earlier is not None:
            return _replayed(earlier, kind, message["key"])
    return _streamed(done, kind)


def _message(kind: str, actor: Actor, path: Path, message_id: str | None) -> dict | None:
    """The file as a message (user, kind, key, digest), or None when it has no id."""
    user = user_of(actor)
    key = messages.checked_key(message_id, _source(message_id))
    if not key and is_bundle(path):
        try:
            key = messages.bundle_key(json.loads(path.read_text(encoding="utf-8-sig")))
        except (ValueError, UnicodeDecodeError):
            key = None  # the import names what is wrong with the file
    if not key or user is None:
        return None
    return {"user": user, "kind": messages.KINDS[kind], "key": key, "digest": file_digest(path)}


def _source(message_id: str | None) -> str:
    return "--message-id" if message_id else "Bundle.identifier"


def file_digest(path: Path) -> str:
    """SHA-256 of the file's bytes, read in blocks (the API hashes a message's body alike)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _answer(outcome: Outcome, kind: str) -> dict:
    """The answer stored with the message id, in the API's words (api.py), so that a file
    sent through either is answered by the other."""
    if kind == "samples":
        return {"created": outcome.created, "unchanged": outcome.unchanged}
    return {"resulted": outcome.created, "unchanged": outcome.unchanged,
            "recalls": outcome.recalls, "positives": outcome.positives,
            "reported": outcome.reported}


def _replayed(answer: dict, kind: str, key: str) -> Streamed:
    outcome = Outcome(created=answer.get("created", answer.get("resulted", 0)),
                      unchanged=answer.get("unchanged", 0), recalls=answer.get("recalls", 0),
                      positives=answer.get("positives", 0))
    outcome.rows = outcome.created + outcome.unchanged
    streamed = _streamed(outcome, kind)
    streamed.replayed = _("Already processed: message %(key)s was imported before; nothing "
                          "was read or written. Its answer then:") % {"key": key}
    return streamed


def _streamed(outcome: Outcome, kind: str) -> Streamed:
    extra = ""
    if kind == "results":
        extra = _("%(rows)d rows: %(recalls)d people recalled, %(positives)d individual "
                  "positives.") % {"rows": outcome.rows, "recalls": outcome.recalls,
                                   "positives": outcome.positives}
    return Streamed(rows=outcome.rows, created=outcome.created, unchanged=outcome.unchanged,
                    refused=outcome.refused, extra=extra)


def register() -> None:
    """The two streaming kinds of `outbreakhq import` (called from apps.py)."""
    register_streaming(StreamingImporter(
        kind="samples", label=gettext_lazy("Screening samples (sealed tubes)"),
        capability=Can.COLLECT_SAMPLES, run=functools.partial(run, kind="samples")))
    register_streaming(StreamingImporter(
        kind="results", label=gettext_lazy("Screening lab results"),
        capability=Can.RECORD_RESULTS, run=functools.partial(run, kind="results")))
