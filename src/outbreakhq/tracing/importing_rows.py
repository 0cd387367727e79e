"""One row of a line list to converted values, or to errors that name the row and the column.

Only checks that need no database live here (types, required fields, dates in order); the
checks against stored cases, people and areas are in importing_checks.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from outbreakhq.core.errors import FieldError
from outbreakhq.core.identity import InvalidDocument, normalise_document
from outbreakhq.tracing import rules
from outbreakhq.tracing.importing_read import Formula, formula_message
from outbreakhq.tracing.importing_values import (
    document_number,
    synonyms,
    text_of,
    to_choice,
    to_date,
)

CHOICES = {"classification": "classification", "detection_route": "detection_route",
           "severity": "severity", "outcome": "outcome", "category": "category",
           "contact_type": "contact_type", "exposure_type": "contact_type", "sex": "sex",
           "id_type": "id_type"}
DATES = {"birth_date", "onset_date", "sampling_date", "report_date", "outcome_date",
         "exposure_date", "last_exposure", "date"}
LIMITS = {"name": 200, "external_id": 64, "address": 300, "home_area": 40, "person": 64,
          "source_case": 64,
          "source_contact": 64, "infector": 64, "infectee": 64}
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


class RowParser:
    """Converts rows of one file; `columns` maps field key -> the file's column header, which is
    what error messages name (the user fixes the file, not our field names)."""

    def __init__(self, index: dict[str, int], columns: dict[str, str], *, today: date):
        self.index = index
        self.columns = columns
        self.today = today
        self.tables = synonyms()

    def parse(self, number: int, cells: list) -> tuple[Row, list[FieldError]]:
        values: dict[str, object] = {}
        errors: list[FieldError] = []
        for key, position in self.index.items():
            raw = cells[position] if position < len(cells) else None
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
        if not errors:
            errors += self._document(number, values)
            errors += self._dates_in_order(number, values)
        return Row(number, values), errors

    def convert(self, key: str, raw: object) -> object:
        if key in CHOICES:
            if text_of(raw) == "" and key not in ("sex",):
                return ""
            return to_choice(key, raw, self.tables[CHOICES[key]])
        if key in DATES:
            value = to_date(raw)
            if rules.in_future(value, self.today):
                raise ValueError(_("%(date)s is in the future") % {"date": value.isoformat()})
            return value
        if key == "id_number":
            return document_number(raw)
        value = text_of(raw)
        if key in LIMITS and len(value) > LIMITS[key]:
            raise ValueError(_("is longer than %(n)d characters") % {"n": LIMITS[key]})
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

    def _dates_in_order(self, number: int, values: dict) -> list[FieldError]:
        """The rules of the services (tracing/rules.py), checked here too so that the preview
        shows them."""
        report = values.get("report_date")
        errors = [FieldError(self.columns[key], _(
            "%(date)s is after the report date %(report)s") % {
            "date": values[key].isoformat(), "report": report.isoformat()}, number)
            for key in rules.after_report(values)]
        if rules.after(values.get("exposure_date"), report):
            errors.append(FieldError(self.columns["exposure_date"], _(
                "exposure after the report date %(report)s") % {
                "report": report.isoformat()}, number))
        if rules.outcome_before_onset(values):
            errors.append(FieldError(self.columns["outcome_date"], _(
                "is before the onset date %(date)s") % {"date": values["onset_date"].isoformat()},
                number))
        return errors


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
