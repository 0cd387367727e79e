"""Reading line lists: CSV (UTF-8, with or without a byte-order mark, delimiter sniffed) and XLSX
(first sheet). Both stream: rows are yielded one at a time and the file is never held whole.

An XLSX cell that holds a formula is an error, not a value: openpyxl can only give us the formula
text or the value Excel cached when the file was last saved, and we never import a computed
value we cannot see (a date from `=A2+14` depends on a cell that may since have changed).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from outbreakhq.core.errors import FieldError, InvalidInput

MAX_ROWS = 50_000  # per file; the whole batch is validated in memory before one transaction
DELIMITERS = ",;\t|"


@dataclass
class Table:
    """A header and an iterator of (row number, cells); row numbers count the header as 1."""

    header: list[str]
    rows: Iterator[tuple[int, list]]


def file_format(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return "csv"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    raise InvalidInput(_("%(name)s is neither a CSV nor an XLSX file.") % {"name": name})


@contextmanager
def open_table(path: Path, *, name: str | None = None) -> Iterator[Table]:
    """Open a CSV or XLSX file (format from `name`, default the path's name) as a Table."""
    kind = file_format(name or path.name)
    if kind == "csv":
        with path.open("rb") as raw:
            yield _csv_table(raw)
    else:
        yield from _xlsx_table(path)


def _csv_table(raw) -> Table:
    # utf-8-sig strips the byte-order mark Excel writes ("CSV UTF-8") and reads plain UTF-8 too.
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    try:
        sample = text.read(16_384)
    except UnicodeDecodeError:
        raise InvalidInput(_("The file is not UTF-8 text; save it as \"CSV UTF-8\" or as XLSX. "
                             "Nothing was imported.")) from None
    text.seek(0)
    try:
        dialect = csv.Sniffer().sniff(sample.split("\n", 1)[0] or ",", delimiters=DELIMITERS)
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","  # one column, or no delimiter at all: the header check will say what
    reader = csv.reader(text, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidInput(_("The file is empty. Nothing was imported.")) from None
    except UnicodeDecodeError:
        raise InvalidInput(_("The file is not UTF-8 text; save it as \"CSV UTF-8\" or as XLSX. "
                             "Nothing was imported.")) from None
    return Table([h.strip() for h in header], _csv_rows(reader))


def _csv_rows(reader) -> Iterator[tuple[int, list]]:
    try:
        for number, cells in enumerate(reader, start=2):
            if any(c.strip() for c in cells):
                yield number, cells
    except UnicodeDecodeError:
        raise InvalidInput(_("Row %(row)d is not UTF-8 text; save the file as \"CSV UTF-8\". "
                             "Nothing was imported.") % {"row": reader.line_num}) from None
    except csv.Error as exc:  # a NUL byte, an unclosed quote at the end of the file
        raise InvalidInput(_("Line %(row)d cannot be read as CSV (%(reason)s). Nothing was "
                             "imported.") % {"row": reader.line_num, "reason": exc}) from None


def _xlsx_table(path: Path) -> Iterator[Table]:
    from openpyxl import load_workbook

    try:
        # read_only streams the sheet XML; data_only=False so that formulas show as formulas.
        workbook = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises zipfile, KeyError, ValueError… on a bad file
        raise InvalidInput(_("The file cannot be read as XLSX (%(reason)s). Nothing was "
                             "imported.") % {"reason": exc.__class__.__name__}) from None
    try:
        rows = workbook.worksheets[0].iter_rows()
        header_cells = next(rows, None)
        if header_cells is None:
            raise InvalidInput(_("The first sheet is empty. Nothing was imported."))
        _refuse_formulas(1, header_cells, [])
        header = [_header_text(c.value) for c in header_cells]
        while header and not header[-1]:
            header.pop()  # trailing formatted-but-empty columns
        yield Table(header, _xlsx_rows(rows))
    finally:
        workbook.close()


def _header_text(value) -> str:
    return "" if value is None else str(value).strip()


class Formula(str):
    """A cell that held a formula: the row parser reports it with the row and column."""

    def __new__(cls, formula: object, cell: str) -> Formula:
        value = super().__new__(cls, str(formula)[:40])
        value.cell = cell
        return value


def _xlsx_rows(rows) -> Iterator[tuple[int, list]]:
    for number, cells in enumerate(rows, start=2):
        values = [Formula(c.value, f"{get_column_letter(i + 1)}{number}")
                  if getattr(c, "data_type", None) == "f" else c.value
                  for i, c in enumerate(cells)]
        if any(v not in (None, "") for v in values):
            yield number, values


def _refuse_formulas(number: int, cells, header: list[str]) -> None:
    errors = []
    for index, cell in enumerate(cells):
        if getattr(cell, "data_type", None) == "f":
            column = header[index] if index < len(header) and header[index] else \
                get_column_letter(index + 1)
            errors.append(FieldError(column, formula_message(
                f"{get_column_letter(index + 1)}{number}", cell.value), number))
    if errors:
        raise InvalidInput(_("The file holds formulas, whose values we cannot see. Nothing was "
                             "imported."), errors)


def formula_message(cell: str, formula: object) -> str:
    return _("cell %(cell)s holds a formula (%(formula)s); we import only values we can see: "
             "paste the values instead (Paste Special, Values)") % {
        "cell": cell, "formula": str(formula)[:40]}


def read_rows(table: Table, *, limit: int = MAX_ROWS) -> Iterator[tuple[int, list]]:
    """The table's rows, refusing a file longer than `limit` data rows."""
    for count, item in enumerate(table.rows, start=1):
        if count > limit:
            raise InvalidInput(_("The file has more than %(limit)d rows; split it into smaller "
                                 "files. Nothing was imported.") % {"limit": limit})
        yield item
