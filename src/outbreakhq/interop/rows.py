"""One row of a file to converted values, or to errors that name the row and the column.

Only checks that need no database live here (types, lengths, documents, required fields, and the
importer's own `row_rules` such as dates in order); the checks against stored records are the
importer's `check` (tracing: tracing/importer/checks.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from outbreakhq.core.errors import FieldError
from outbreakhq.core.identity import InvalidDocument, normalise_document
from outbreakhq.interop.read import Formula, formula_message
from outbreakhq.interop.registry import Importer
from outbreakhq.interop.values import document_number, squash, text_of, to_choice, to_date

PHONE_CHARS = set("+0123456789 -")


@dataclass
class Row:
    """A parsed row: `values` holds the mapped fields, converted; `action` is filled by the
    checks (create, update, unchanged) and `changes` lists the fields an update changes."""

    number: int
    values: dict[str, object]
    action: str = ""
    changes: list[str] = field(default_factory=list)
    refs: dict[str, object] = field(default_factory=dict)
    cells: list = field(default_factory=list, repr=False)  # as read: for the error file


class RowParser:
    """Converts rows of one file; `columns` maps field key -> the file's column header, which is
    what error messages name (the user fixes the file, not our field names)."""

    def __init__(self, importer: Importer, index: dict[str, int], columns: dict[str, str], *,
                 today: date, constants: dict[str, str] | None = None,
                 recode: dict[str, dict[str, str]] | None = None):
        self.importer = importer
        self.index = index
        self.columns = columns
        self.today = today
        self.tables = importer.choices()
        self.constants = constants or {}
        # The mapping's `values`: per field, the file's words (squashed) to ours.
        self.recode = {key: {squash(word): ours for word, ours in table.items()}
                       for key, table in (recode or {}).items()}

    def parse(self, number: int, cells: list) -> tuple[Row, list[FieldError]]:
        values: dict[str, object] = {}
        errors: list[FieldError] = []
        wanted = [(key, cells[p] if p < len(cells) else None) for key, p in self.index.items()]
        wanted += list(self.constants.items())
        for key, raw in wanted:
            if key in self.recode and not isinstance(raw, Formula):
                raw = self.recode[key].get(squash(text_of(raw)), raw)
            if isinstance(raw, Formula):
                errors.append(FieldError(self.columns[key], formula_message(raw.cell, raw),
                                         number))
                continue
            if isinstance(raw, str) and "\x00" in raw:
                # PostgreSQL cannot store a NUL character; it is never part of a real value.
                errors.append(FieldError(self.columns[key], _("holds a NUL character"), number))
                continue
            try:
                values[key] = self.convert(key, raw)
            except ValueError as exc:
                errors.append(FieldError(self.columns[key], str(exc), number))
        # Every check runs on what converted, so that one run finds every error of the row
        # (dates out of order are found even when another cell of the row is wrong).
        errors += self._document(number, values)
        errors += [FieldError(self.columns[key], message, number)
                   for key, message in self.importer.row_rules(values)]
        return Row(number, values, cells=list(cells)), errors

    def convert(self, key: str, raw: object) -> object:
        if key in self.tables:
            if text_of(raw) == "" and key not in ("sex",):
                return ""
            return to_choice(key, raw, self.tables[key])
        if key in self.importer.dates:
            value = to_date(raw)
            if value is not None and value > self.today:
                raise ValueError(_("%(date)s is in the future") % {"date": value.isoformat()})
            return value
        if key == "id_number":
            return document_number(raw)
        value = text_of(raw)
        limit = self.importer.limits.get(key)
        if limit is not None and len(value) > limit:
            raise ValueError(_("is longer than %(n)d characters") % {"n": limit})
        if key == "phone" and value and not set(value) <= PHONE_CHARS:
            raise ValueError(_("%(value)r is not a phone number") % {"value": value})
        return value

    def _document(self, number: int, values: dict) -> list[FieldError]:
        """Normalise the identity number, guessing the type when the file gives none."""
        if "id_number" not in values:
            return []
        id_number = str(values["id_number"])
        id_type = values.get("id_type") or _guess_document(id_number)
        try:
            values["id_number"] = normalise_document(id_type, id_number) if id_number else ""
        except InvalidDocument as exc:
            return [FieldError(self.columns["id_number"], exc.localised(_), number)]
        values["id_type"] = id_type if id_number else "none"
        return []


def _guess_document(number: str) -> str:
    """No document type in the file: an 18-character number is a resident ID (checked by its
    check character, so a guess that is wrong is refused, not stored)."""
    compact = number.replace(" ", "")
    return "cn_resident" if len(compact) == 18 else "other"


def stray_cells(number: int, cells: list, header: list[str]) -> list[FieldError]:
    """A value under no header (a blank header cell, or beyond the last column) would be lost
    without a word: refuse it, naming the spreadsheet column."""
    return [FieldError(get_column_letter(i + 1), _("holds a value but its column has no header"),
                       number)
            for i, value in enumerate(cells)
            if (i >= len(header) or not header[i]) and text_of(value) != ""]


def missing_required(row: Row, keys: tuple[str, ...], columns: dict[str, str]) -> list[FieldError]:
    """Required cells that are blank (a cell that failed to convert has its own error)."""
    return [FieldError(columns[k], _("is empty"), row.number) for k in keys
            if k in row.values and row.values[k] in (None, "")]
