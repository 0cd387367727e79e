"""The refused rows of an import as a CSV file (issue 14): row, column, value, reason, one line
per error, so that a published line list can be corrected, or its refusals studied, without
reading a terminal. The value is the cell as read from the file (blank for a row-wide reason or
a mapping's constant)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

from outbreakhq.core.errors import FieldError
from outbreakhq.interop.read import Formula
from outbreakhq.interop.values import formula_like, text_of

HEADER = ("row", "column", "value", "reason")


def errors_file(upload: Path) -> Path:
    """Where a partial commit of an upload leaves its error file (beside the upload, in the
    user's own folder; deleted with the folder's old files a day later)."""
    return upload.with_name(upload.stem + ".errors.csv")


def error_values(plan, errors: Iterable[FieldError]) -> Iterator[tuple[FieldError, str]]:
    """Each error with the file's value in its cell."""
    by_number = {row.number: row for row in plan.rows} if plan is not None else {}
    where = {column: i for i, column in enumerate(plan.header)} if plan is not None else {}
    for error in errors:
        row, value = by_number.get(error.row), ""
        position = where.get(error.field)
        if row is not None and position is not None and position < len(row.cells):
            cell = row.cells[position]
            value = str(cell) if isinstance(cell, Formula) else _text(cell)
        yield error, value


def _text(cell: object) -> str:
    return cell.isoformat() if hasattr(cell, "isoformat") else text_of(cell)


def _safe(text: str) -> str:
    """A spreadsheet must not run a value of the file as a formula when the error file opens."""
    return "'" + text if formula_like(text) else text


def csv_text(plan, errors: Iterable[FieldError]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for error, value in error_values(plan, errors):
        writer.writerow((error.row or "", _safe(error.field), _safe(value),
                         _safe(str(error.message))))
    return "\ufeff" + out.getvalue()  # the byte-order mark: Excel reads it as UTF-8
