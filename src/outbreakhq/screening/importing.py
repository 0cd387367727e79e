"""Files of samples and results, streamed in batches (bounded memory), one transaction per
batch, idempotent by barcode: a run killed half-way and run again lands every row once.

samples: a CSV with the header `barcode,site,round,members` (members: screening codes or
identity numbers separated by `;` or spaces), one sealed tube per line.
results: a CSV with the header `barcode,result[,ct]`, or a FHIR R4 Bundle (`.json`, see
screening/fhir.py), read whole (a bundle is one message) and written in batches.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.screening import fhir, services

BATCH = 2000
COLUMNS = {"samples": ("barcode", "site", "round", "members"), "results": ("barcode", "result")}


@dataclass
class Outcome:
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    recalls: int = 0
    positives: int = 0
    errors: list[FieldError] = field(default_factory=list)


def batches(path: Path, kind: str, size: int = BATCH) -> Iterator[tuple[int, list[dict]]]:
    """(first row number, rows) of the file, `size` rows at a time (header = row 1)."""
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
            batch.append({k: (row.get(v) or "").strip() for k, v in names.items()})
            if len(batch) == size:
                yield first, batch
                batch, first = [], number + 1
        if batch:
            yield first, batch


def import_file(*, actor: Actor, kind: str, path: Path, partial: bool = False,
                size: int = BATCH, progress: Callable[[int], None] | None = None) -> Outcome:
    """Import `path` batch by batch. Without `partial` the import stops at the first batch
    with a bad row (earlier batches stay written: run it again once corrected, they count as
    unchanged); with `partial`, good rows are kept and every bad row is reported."""
    outcome = Outcome()
    chunks = batches(path, kind, size)
    if kind == "results" and path.suffix.lower() == ".json":  # a FHIR bundle: one message
        rows = fhir.read_bundle(path.read_text(encoding="utf-8-sig"))
        chunks = ((n + 1, rows[n:n + size]) for n in range(0, len(rows), size))
    for first, rows in chunks:
        if kind == "samples":
            done = services.submit_tubes(actor=actor, rows=rows, first_row=first,
                                         partial=partial)
            outcome.created += done.created
        else:
            done = services.record_results(actor=actor, rows=rows, first_row=first,
                                           partial=partial)
            outcome.created += done.resulted
            outcome.recalls += done.recalls
            outcome.positives += done.positives
        outcome.unchanged += done.unchanged
        outcome.errors += done.errors
        outcome.rows += len(rows)
        if progress:
            progress(outcome.rows)
    return outcome
