"""Exporting filtered case and contact lists as CSV or XLSX, streamed in bounded memory.

Rows are read with `values_list(...).iterator(chunk_size=2000)`: no model instances, one chunk in
memory at a time, whatever the number of rows. CSV is written line by line; XLSX with openpyxl's
write-only workbook, which streams rows to its temporary sheet file. The header is the import's
field names, so an exported file imports again with no mapping (idempotently, by external id).

Scope: only rows the user may export (`Can.EXPORT_PERSON`) — a county user's export holds no
other county's person. Every export leaves one `export` audit event with its filters and rows,
naming the people exported (core.audit.record_query).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import BinaryIO

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from outbreakhq.core import audit
from outbreakhq.core.errors import InvalidInput, OutOfScope
from outbreakhq.core.models import Area
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can
from outbreakhq.core.services import require
from outbreakhq.tracing.importing_values import formula_like
from outbreakhq.tracing.models import Case, Contact
from outbreakhq.tracing.worklists import filter_cases, filter_contacts

FORMATS = ("csv", "xlsx")
CHUNK = 2000
BACKGROUND_ABOVE = 50_000  # rows; larger exports are written by the task worker
PERSON = (("name", "person__name"), ("sex", "person__sex"),
          ("birth_date", "person__birth_date"), ("id_type", "person__id_type"),
          ("id_number", "person__id_number"), ("phone", "person__phone"),
          ("home_area", "person__home_area__code"), ("address", "person__address"))
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "cases": (("external_id", "external_id"), *PERSON,
              ("classification", "classification"), ("onset_date", "onset_date"),
              ("sampling_date", "sampling_date"), ("report_date", "report_date"),
              ("detection_route", "detection_route"), ("severity", "severity"),
              ("outcome", "outcome"), ("outcome_date", "outcome_date"),
              ("source_case", "source_case__external_id")),
    "contacts": (("external_id", "external_id"), *PERSON,
                 ("source_case", "source_case__external_id"),
                 ("source_contact", "source_contact__external_id"),
                 ("category", "category"), ("contact_type", "contact_type"),
                 ("last_exposure", "last_exposure"), ("status", "status"),
                 ("followup_start", "followup_start"), ("followup_end", "followup_end")),
}


def export_rows(*, by, kind: str, within: Area | None = None,
                filters: Mapping | None = None) -> QuerySet:
    """The filtered, scoped rows of an export, as tuples in COLUMNS order, oldest first."""
    filters = dict(filters or {})
    if kind == "cases":
        rows = filter_cases(Case.objects.visible_to(by, Can.EXPORT_PERSON, within=within),
                             filters)
        order = ("report_date", "pk")
    elif kind == "contacts":
        rows = filter_contacts(Contact.objects.visible_to(by, Can.EXPORT_PERSON, within=within),
                                filters)
        order = ("last_exposure", "pk")
    else:
        raise InvalidInput(_("Only cases and contacts can be exported."))
    return rows.order_by(*order).values_list(*(source for _key, source in COLUMNS[kind]))


def header(kind: str) -> list[str]:
    return [key for key, _source in COLUMNS[kind]]


def _cell(value: object) -> object:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else value


def _csv_cell(value: object) -> object:
    """A text that a spreadsheet would run as a formula (a name typed as `=HYPERLINK(…)`) gets
    a leading apostrophe, which spreadsheets show as text and our import takes off again."""
    value = _cell(value)
    return "'" + value if isinstance(value, str) and formula_like(value) else value


def iter_tuples(rows: QuerySet) -> Iterator[tuple]:
    return rows.iterator(chunk_size=CHUNK)


class _Line:
    """csv.writer's file: hands back each written line instead of storing it."""

    def write(self, text: str) -> str:
        return text


def csv_lines(kind: str, rows: Iterable[tuple]) -> Iterator[str]:
    """The CSV text line by line, with the byte-order mark Excel needs to read UTF-8."""
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(header(kind))
    for row in rows:
        yield writer.writerow([_csv_cell(v) for v in row])


def write_csv(kind: str, rows: Iterable[tuple], path: Path) -> int:
    lines = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        for line in csv_lines(kind, rows):
            out.write(line)
            lines += 1
    return lines - 1  # the header is no row


def write_xlsx(kind: str, rows: Iterable[tuple], path: Path | BinaryIO) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(kind)

    def text_cell(value: object) -> object:
        # openpyxl writes a string starting with "=" as a formula: force a text cell.
        if isinstance(value, str) and value.startswith("="):
            cell = WriteOnlyCell(sheet, value)
            cell.data_type = "s"
            return cell
        return value

    sheet.append(header(kind))
    count = 0
    for row in rows:
        # Document numbers and phones are strings here, so they stay text cells: Excel would
        # round an 18-digit number.
        sheet.append([text_cell(_cell(v)) for v in row])
        count += 1
    book.save(path)
    return count


def start_export(*, by, kind: str, fmt: str, within: Area | None = None,
                 filters: Mapping | None = None, request=None) -> tuple[QuerySet, int]:
    """Check the request, count the rows and write the one `export` audit event."""
    if fmt not in FORMATS:
        raise InvalidInput(_("Export as csv or xlsx."))
    if within is not None:
        require(by, Can.EXPORT_PERSON, within, request=request, what=kind)
    elif not can(by, Can.EXPORT_PERSON):
        audit.record(user=by, action="denied", object_type=kind, request=request,
                     detail={"capability": Can.EXPORT_PERSON})
        raise OutOfScope(_("You may not export personal data."))
    rows = export_rows(by=by, kind=kind, within=within, filters=filters)
    count = rows.count()
    clean = {k: str(v) for k, v in dict(filters or {}).items() if v not in (None, "")}
    audit.record_query(rows=rows, user=by, action="export", object_type=kind, area=within,
                       request=request, detail={"format": fmt, "filters": clean, "rows": count})
    return rows, count
