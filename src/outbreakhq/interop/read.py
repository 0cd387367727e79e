"""Reading line lists: CSV (UTF-8, with or without a byte-order mark, delimiter sniffed) and XLSX
(first sheet). Both stream: rows are yielded one at a time and the file is never held whole.

An XLSX cell that holds a formula is an error, not a value: openpyxl can only give us the formula
text or the value Excel cached when the file was last saved, and we never import a computed
value we cannot see (a date from `=A2+14` depends on a cell that may since have changed).

Hostile files (issue 15) are refused before any row is read, within a second: the file's size,
an XLSX's unpacked size (the sizes its zip directory declares, which zipfile enforces while
unpacking: a part that unpacks to more fails its CRC check), the sheet's declared dimensions,
then while streaming every row number (blank rows included), column and cell length. A binary
file named .csv, an XLSX or old .xls named .csv, UTF-16 or another encoding are named as such.
The bounds are settings (OUTBREAKHQ_IMPORT_MAX_*, `settings.OUTBREAKHQ_IMPORT_LIMITS`).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from outbreakhq.core.errors import FieldError, InvalidInput

MAX_ROWS = 50_000  # per file, unless OUTBREAKHQ_IMPORT_MAX_ROWS says otherwise
DELIMITERS = ",;\t|"


@dataclass(frozen=True)
class Limits:
    bytes: int = 25 * 1024 * 1024
    unzipped_bytes: int = 100 * 1024 * 1024
    rows: int = MAX_ROWS
    columns: int = 200
    cell_chars: int = 10_000
    parts: int = 1000  # members of an XLSX archive

    @property
    def lines(self) -> int:
        """Rows of the file counted with the blank ones (and the header)."""
        return 2 * self.rows + 1

    @classmethod
    def current(cls) -> Limits:
        return cls(**getattr(settings, "OUTBREAKHQ_IMPORT_LIMITS", {}))


def _refuse(message: str, errors: list[FieldError] | None = None) -> InvalidInput:
    return InvalidInput(message + " " + _("Nothing was imported."), errors or [])


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.0f}"


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
    limits = Limits.current()
    size = path.stat().st_size
    if size > limits.bytes:
        raise _refuse(_("The file is %(size)s MB; the most an import takes is %(limit)s MB: split "
                        "it into smaller files.") % {"size": _megabytes(size),
                                                    "limit": _megabytes(limits.bytes)})
    if kind == "csv":
        with path.open("rb") as raw:
            _check_text_start(raw.read(16_384))
            raw.seek(0)
            yield _csv_table(raw, limits)
    else:
        yield from _xlsx_table(path, limits)


def _check_text_start(start: bytes) -> None:
    """A CSV must be text: name what it is instead (a workbook or a binary file renamed .csv)."""
    if start.startswith(b"PK\x03\x04"):
        raise _refuse(_("The file is an XLSX workbook (or another zip archive) named as a CSV "
                        "file: upload it with the .xlsx ending."))
    if start.startswith(b"\xd0\xcf\x11\xe0"):
        raise _refuse(_("The file is an old Excel workbook (.xls): save it as XLSX or as "
                        "\"CSV UTF-8\"."))
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _refuse(_("The file is UTF-16 text; save it as \"CSV UTF-8\" or as XLSX."))
    if start.count(b"\x00") > max(8, len(start) // 1000):  # one NUL is a row's error, not this
        raise _refuse(_("The file is not text (it holds binary data); a line list is a CSV "
                        "UTF-8 or an XLSX file."))


def _bounded_lines(text, limits: Limits) -> Iterator[str]:
    """The text's lines, refusing one so long that parsing it would be the attack: the csv
    module would make a list of millions of cells out of a line of commas."""
    longest = limits.columns * (limits.cell_chars + 3)
    while True:
        line = text.readline(longest + 1)
        if not line:
            return
        if len(line) > longest:
            raise _refuse(_("A line of the file is longer than %(n)d characters.") % {
                "n": longest})
        yield line


def _csv_table(raw, limits: Limits = Limits()) -> Table:
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
    reader = csv.reader(_bounded_lines(text, limits), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidInput(_("The file is empty. Nothing was imported.")) from None
    except UnicodeDecodeError:
        raise InvalidInput(_("The file is not UTF-8 text; save it as \"CSV UTF-8\" or as XLSX. "
                             "Nothing was imported.")) from None
    except csv.Error as exc:
        raise InvalidInput(_("The header cannot be read as CSV (%(reason)s). Nothing was "
                             "imported.") % {"reason": exc}) from None
    _check_cells(1, header, limits)
    return Table([h.strip() for h in header], _csv_rows(reader, limits))


def _check_cells(number: int, cells: list, limits: Limits) -> None:
    if len(cells) > limits.columns:
        raise _refuse(_("Row %(row)d has %(n)d columns; the most an import takes is "
                        "%(limit)d.") % {"row": number, "n": len(cells), "limit": limits.columns})
    for index, cell in enumerate(cells):
        if isinstance(cell, str) and len(cell) > limits.cell_chars:
            raise _refuse(_("Cell %(cell)s holds %(n)d characters; the most a cell may hold is "
                            "%(limit)d.") % {"cell": f"{get_column_letter(index + 1)}{number}",
                                             "n": len(cell), "limit": limits.cell_chars})


def _check_line(number: int, limits: Limits) -> None:
    if number > limits.lines:
        raise _refuse(_("The file has more than %(n)d rows, blank ones included; the most an "
                        "import takes is %(limit)d rows: split it into smaller files.") % {
            "n": limits.lines, "limit": limits.rows})


def _csv_rows(reader, limits: Limits = Limits()) -> Iterator[tuple[int, list]]:
    try:
        for number, cells in enumerate(reader, start=2):
            _check_line(number, limits)
            _check_cells(number, cells, limits)
            if any(c.strip() for c in cells):
                yield number, cells
    except UnicodeDecodeError:
        raise InvalidInput(_("Row %(row)d is not UTF-8 text; save the file as \"CSV UTF-8\". "
                             "Nothing was imported.") % {"row": reader.line_num}) from None
    except csv.Error as exc:  # a NUL byte, an unclosed quote at the end of the file
        raise InvalidInput(_("Line %(row)d cannot be read as CSV (%(reason)s). Nothing was "
                             "imported.") % {"row": reader.line_num, "reason": exc}) from None


def _check_archive(path: Path, limits: Limits) -> None:
    """Before openpyxl unpacks anything: a zip archive, of a bounded number of parts, whose
    declared unpacked sizes (enforced by zipfile while unpacking) fit the limit."""
    with path.open("rb") as raw:
        start = raw.read(8)
    if not zipfile.is_zipfile(path):
        if start.startswith(b"\xd0\xcf\x11\xe0"):
            raise _refuse(_("The file is an old Excel workbook (.xls) or is password-protected: "
                            "save it as an XLSX workbook without a password."))
        raise _refuse(_("The file is not an XLSX workbook (an XLSX file is a zip archive; this "
                        "one is not). If it is a CSV file, name it .csv."))
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _refuse(_("The file cannot be read as XLSX (%(reason)s).") % {
            "reason": exc.__class__.__name__}) from None
    if len(parts) > limits.parts:
        raise _refuse(_("The workbook has %(n)d parts; an XLSX line list has a few dozen.") % {
            "n": len(parts)})
    unpacked = sum(part.file_size for part in parts)
    if unpacked > limits.unzipped_bytes:
        raise _refuse(_("The workbook would unpack to %(size)s MB; the most an import unpacks is "
                        "%(limit)s MB. Remove empty formatted rows, or split the file.") % {
            "size": _megabytes(unpacked), "limit": _megabytes(limits.unzipped_bytes)})


def _xlsx_table(path: Path, limits: Limits = Limits()) -> Iterator[Table]:
    from openpyxl import load_workbook

    _check_archive(path, limits)
    try:
        # read_only streams the sheet XML; data_only=False so that formulas show as formulas.
        workbook = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises zipfile, KeyError, ValueError… on a bad file
        raise InvalidInput(_("The file cannot be read as XLSX (%(reason)s). Nothing was "
                             "imported.") % {"reason": exc.__class__.__name__}) from None
    try:
        if not workbook.worksheets:
            raise _refuse(_("The workbook has no sheet."))
        sheet = workbook.worksheets[0]
        _check_dimensions(sheet, limits)
        rows = _sheet_rows(workbook, sheet, limits)
        first = next(rows, None)
        if first is None:
            raise InvalidInput(_("The first sheet is empty. Nothing was imported."))
        if first[0] != 1:  # the header row is empty: the rows follow it
            header_cells, rows = [], _chain(first, rows)
        else:
            header_cells = first[1]
        _refuse_formulas(1, header_cells, [])
        header = [_header_text(c["value"]) for c in header_cells]
        while header and not header[-1]:
            header.pop()  # trailing formatted-but-empty columns
        yield Table(header, _xlsx_rows(rows))
    finally:
        workbook.close()


def _chain(first, rest):
    yield first
    yield from rest


def _check_dimensions(sheet, limits: Limits) -> None:
    """The size the sheet declares (`<dimension ref="A1:Z20000000"/>`), read before its rows:
    openpyxl would pad every row up to it."""
    rows, columns = sheet._max_row, sheet._max_column
    if rows is not None and rows > limits.lines:
        raise _refuse(_("The first sheet declares %(n)d rows; the most an import takes is "
                        "%(limit)d rows: split it into smaller files, or delete the empty "
                        "formatted rows below the data.") % {"n": rows, "limit": limits.rows})
    if columns is not None and columns > limits.columns:
        raise _refuse(_("The first sheet declares %(n)d columns; the most an import takes is "
                        "%(limit)d.") % {"n": columns, "limit": limits.columns})


def _sheet_rows(workbook, sheet, limits: Limits) -> Iterator[tuple[int, list[dict]]]:
    """(row number, cells as dicts) for each row the sheet's XML holds, bounded as it streams:
    unlike openpyxl's own row iterator, missing rows are not made up one by one."""
    from openpyxl.worksheet._reader import WorkSheetParser

    source = sheet._get_source()
    parser = WorkSheetParser(source, sheet._shared_strings, data_only=False,
                             epoch=workbook.epoch, date_formats=workbook._date_formats,
                             timedelta_formats=workbook._timedelta_formats)
    try:
        for number, cells in parser.parse():
            _check_line(number, limits)
            width = max((c["column"] for c in cells), default=0)
            if width > limits.columns:
                raise _refuse(_("Row %(row)d has a cell in column %(n)d; the most an import "
                                "takes is %(limit)d columns.") % {
                    "row": number, "n": width, "limit": limits.columns})
            row: list[dict] = [{"value": None, "data_type": "n"}] * width
            for cell in cells:
                row[cell["column"] - 1] = cell
            _check_cells(number, [c["value"] for c in row], limits)
            yield number, row
    except InvalidInput:
        raise
    except Exception as exc:  # a bad shared-string index, broken XML, a part failing its CRC
        raise _refuse(_("The first sheet cannot be read as XLSX (%(reason)s).") % {
            "reason": exc.__class__.__name__}) from None
    finally:
        source.close()


def _header_text(value) -> str:
    return "" if value is None else str(value).strip()


class Formula(str):
    """A cell that held a formula: the row parser reports it with the row and column."""

    def __new__(cls, formula: object, cell: str) -> Formula:
        value = super().__new__(cls, str(formula)[:40])
        value.cell = cell
        return value


def _xlsx_rows(rows) -> Iterator[tuple[int, list]]:
    for number, cells in rows:
        values = [Formula(c["value"], f"{get_column_letter(i + 1)}{number}")
                  if c["data_type"] == "f" else c["value"]
                  for i, c in enumerate(cells)]
        if any(v not in (None, "") for v in values):
            yield number, values


def _refuse_formulas(number: int, cells, header: list[str]) -> None:
    errors = []
    for index, cell in enumerate(cells):
        if cell["data_type"] == "f":
            column = header[index] if index < len(header) and header[index] else \
                get_column_letter(index + 1)
            errors.append(FieldError(column, formula_message(
                f"{get_column_letter(index + 1)}{number}", cell["value"]), number))
    if errors:
        raise InvalidInput(_("The file holds formulas, whose values we cannot see. Nothing was "
                             "imported."), errors)


def formula_message(cell: str, formula: object) -> str:
    return _("cell %(cell)s holds a formula (%(formula)s); we import only values we can see: "
             "paste the values instead (Paste Special, Values)") % {
        "cell": cell, "formula": str(formula)[:40]}


def read_rows(table: Table, *, limit: int | None = None) -> Iterator[tuple[int, list]]:
    """The table's rows, refusing a file longer than `limit` data rows (default: the setting)."""
    limit = Limits.current().rows if limit is None else limit
    for count, item in enumerate(table.rows, start=1):
        if count > limit:
            raise InvalidInput(_("The file has more than %(limit)d rows; split it into smaller "
                                 "files. Nothing was imported.") % {"limit": limit})
        yield item
