"""Area trees: CSV import (all rows checked before anything is written) and path maintenance."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from outbreakhq.core import audit
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.core.models import PATH_SEP, Area, Level
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can

REQUIRED = ("code", "parent_code", "level", "name_en")
OPTIONAL = ("name_zh", "population", "shape")
MAX_ERRORS = 200
MAX_LENGTHS = {"code": 40, "parent_code": 40, "name_en": 200, "name_zh": 200}


@dataclass
class AreaRow:
    row: int
    code: str
    parent_code: str
    level: str
    name_en: str
    name_zh: str
    population: int
    shape: dict | None


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def child_path(parent: Area | None, code: str) -> str:
    return (parent.path if parent else PATH_SEP) + code + PATH_SEP


def _parse(text: str) -> list[AreaRow]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    if missing or unknown:
        errors = [FieldError(c, _("column is missing"), 1) for c in missing]
        errors += [FieldError(c, _("unknown column"), 1) for c in unknown]
        raise InvalidInput(_("The header must be %(columns)s (the last three optional). "
                             "Nothing was imported.")
                           % {"columns": ", ".join(REQUIRED + OPTIONAL)}, errors)
    return parse_rows((number, {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k})
                      for number, raw in enumerate(reader, start=2))


def parse_rows(numbered: Iterable[tuple[int, dict]]) -> list[AreaRow]:
    """Rows as (row number, {column: text}) to AreaRows, or InvalidInput naming every wrong
    row (up to MAX_ERRORS): this text import's, and the import pipeline's (interop/areas.py)."""
    rows, errors = [], []
    for number, raw in numbered:
        row, row_errors = _parse_row(number, raw)
        errors += row_errors
        if row is not None:
            rows.append(row)
        if len(errors) >= MAX_ERRORS:
            break
    if errors:
        raise InvalidInput(_("Nothing was imported; correct these rows."), errors)
    if not rows:
        raise InvalidInput(_("The file has a header but no areas. Nothing was imported."))
    return rows


def _parse_row(number: int, raw: dict) -> tuple[AreaRow | None, list[FieldError]]:
    errors = [FieldError(c, _("is empty"), number)
              for c in ("code", "level", "name_en") if not raw[c]]
    # PostgreSQL refuses NUL and over-long values with an error deep in the transaction.
    errors += [FieldError(c, _("contains control characters"), number)
               for c, v in raw.items()
               if c != "shape" and any(ch < " " or ch == "\x7f" for ch in v)]
    errors += [FieldError(c, _("is longer than %(n)d characters") % {"n": limit}, number)
               for c, limit in MAX_LENGTHS.items() if len(raw.get(c, "")) > limit]
    if raw["code"] and not all(ch.isalnum() or ch in "-_." for ch in raw["code"]):
        errors.append(FieldError("code", _("may hold only letters, digits, '-', '_' and '.'"),
                                 number))
    if raw["level"] and raw["level"] not in Level.values:
        errors.append(FieldError("level", _("%(value)r is not one of %(choices)s")
                                 % {"value": raw["level"], "choices": ", ".join(Level.values)},
                                 number))
    population = raw.get("population") or "0"
    if not population.isdecimal() or len(population) > 10:  # isdigit() passes "²" too
        errors.append(FieldError("population", _("%(value)r is not a whole number")
                                 % {"value": population}, number))
    shape = None
    if raw.get("shape"):
        try:
            shape = json.loads(raw["shape"])
            if not isinstance(shape, dict) or "type" not in shape or "\\u0000" in raw["shape"]:
                raise ValueError
        except ValueError:
            errors.append(FieldError("shape", _("is not a GeoJSON object"), number))
    if errors:
        return None, errors
    return AreaRow(number, raw["code"], raw["parent_code"], raw["level"], raw["name_en"],
                   raw.get("name_zh", ""), int(population), shape), []


def _order(rows: list[AreaRow], existing: dict[str, Area]) -> list[AreaRow]:
    """Parents before children; every parent known, no duplicate codes, no cycles."""
    errors, by_code = [], {}
    for row in rows:
        if row.code in by_code:
            errors.append(FieldError("code", _("%(code)r repeats row %(row)d")
                                     % {"code": row.code, "row": by_code[row.code].row},
                                     row.row))
        by_code[row.code] = row
    for row in rows:
        if row.parent_code and row.parent_code not in by_code and row.parent_code not in existing:
            errors.append(FieldError("parent_code", _("unknown area code %(code)r")
                                     % {"code": row.parent_code}, row.row))
        old = existing.get(row.code)
        if old is not None and (old.parent.code if old.parent else "") != row.parent_code:
            message = (_("%(code)r exists under %(parent)s; moving areas between parents is "
                         "not done by import") % {"code": row.code, "parent": old.parent.code}
                       if old.parent else
                       _("%(code)r exists under no parent; moving areas between parents is not "
                         "done by import") % {"code": row.code})
            errors.append(FieldError("parent_code", message, row.row))
    if errors:
        raise InvalidInput(_("Nothing was imported; correct these rows."), errors)
    ordered, placed = [], set(existing)
    pending = list(rows)
    while pending:
        ready = [r for r in pending if not r.parent_code or r.parent_code in placed]
        if not ready:
            raise InvalidInput(_("Nothing was imported; these rows form a loop of parents."),
                               [FieldError("parent_code", _("is part of a loop"), r.row)
                                for r in pending])
        ordered += ready
        placed |= {r.code for r in ready}
        pending = [r for r in pending if r.code not in placed]
    return ordered


def _case_clashes(rows: list[AreaRow]) -> list[FieldError]:
    """Codes must differ in more than letter case: SQLite's LIKE, which the subtree and scope
    queries use, ignores ASCII case, so an area 'b1' would fall inside the scope of 'B1'."""
    lowered = {r.code.lower() for r in rows}
    known = {c.lower(): c for c in Area.objects.annotate(lc=Lower("code"))
             .filter(lc__in=lowered).values_list("code", flat=True)}
    errors = []
    for row in rows:
        other = known.setdefault(row.code.lower(), row.code)
        if other != row.code:
            errors.append(FieldError("code", _("%(code)r differs from the code %(other)r only "
                                               "in letter case")
                                     % {"code": row.code, "other": other}, row.row))
    return errors


def import_areas_csv(*, actor: Actor, text: str) -> ImportResult:
    """Create or update areas from CSV; all-or-nothing. Needs area.manage over each parent."""
    rows = _parse(text)
    ordered, existing = check_rows(actor=actor, rows=rows)
    with transaction.atomic():
        result = write_rows(ordered, existing)
        audit.record(actor=actor, action="create", object_type="area_import",
                     area=existing[ordered[0].code],
                     detail={"created": result.created, "updated": result.updated,
                             "rows": len(rows)})
    return result


def check_rows(*, actor: Actor, rows: list[AreaRow]) -> tuple[list[AreaRow], dict[str, Area]]:
    """Parsed rows in the order they are written (parents first), with the stored areas they
    name; InvalidInput for clashing codes, unknown parents, loops, moves, or areas the user may
    not manage (that refusal audited here, before any transaction)."""
    if clashes := _case_clashes(rows):
        raise InvalidInput(_("Nothing was imported; correct these rows."), clashes)
    codes = {r.code for r in rows} | {r.parent_code for r in rows if r.parent_code}
    existing = {a.code: a for a in Area.objects.select_related("parent").filter(code__in=codes)}
    ordered = _order(rows, existing)
    _check_may_manage(actor, ordered, existing)
    return ordered, existing


def write_rows(ordered: list[AreaRow], existing: dict[str, Area]) -> ImportResult:
    """Write checked rows (check_rows) inside the caller's transaction; `existing` gains the
    new areas."""
    created = updated = unchanged = 0
    for row in ordered:
        parent = existing.get(row.parent_code) if row.parent_code else None
        area, state = _upsert(row, parent, existing.get(row.code))
        existing[row.code] = area
        created += state == "created"
        updated += state == "updated"
        unchanged += state == "unchanged"
    return ImportResult(created, updated, unchanged)


def action_of(row: AreaRow, existing: dict[str, Area]) -> str:
    """What writing the row would do (a preview): create, update or unchanged."""
    old = existing.get(row.code)
    if old is None:
        return "create"
    return "unchanged" if all(getattr(old, k) == v for k, v in _fields(row).items()) \
        else "update"


def _fields(row: AreaRow) -> dict:
    return {"level": row.level, "name_en": row.name_en, "name_zh": row.name_zh,
            "population": row.population, "shape": row.shape}


def _check_may_manage(actor: Actor, ordered: list[AreaRow], existing: dict[str, Area]) -> None:
    """Every row needs area.manage over the nearest existing area above it (a new root: a
    superuser). Checked before the transaction, so that the `denied` event is not rolled back,
    and for every row, so that the error lists them all."""
    if is_global_admin(actor.user):
        return
    anchor: dict[str, Area | None] = {}  # code -> the existing area it lies in (None: new tree)
    errors, refused_in = [], []
    for row in ordered:
        above = existing.get(row.parent_code) or anchor.get(row.parent_code)
        anchor[row.code] = existing.get(row.code) or above
        if above is None or not can(actor, Can.MANAGE_AREAS, above):
            message = (_("you may not manage areas under %(code)s") % {"code": above.code}
                       if above else
                       _("only a superuser may create a new root and the tree below it"))
            errors.append(FieldError("parent_code", message, row.row))
            refused_in.append(above)
    if errors:
        audit.record(actor=actor, action="denied", object_type="area_import", area=refused_in[0],
                     detail={"rows": [e.row for e in errors]})
        raise InvalidInput(_("Nothing was imported."), sorted(errors, key=lambda e: e.row))


def is_global_admin(user) -> bool:
    # A new tree has no parent to be in scope of: only a superuser (set up by the operator on
    # the command line) may create one.
    return bool(getattr(user, "is_superuser", False))


def _upsert(row: AreaRow, parent: Area | None, old: Area | None) -> tuple[Area, str]:
    fields = _fields(row)
    if old is None:
        root = (parent.root or parent) if parent else None
        area = Area.objects.create(code=row.code, parent=parent, root=root,
                                   path=child_path(parent, row.code),
                                   depth=parent.depth + 1 if parent else 0, **fields)
        return area, "created"
    if all(getattr(old, k) == v for k, v in fields.items()):
        return old, "unchanged"
    for key, value in fields.items():
        setattr(old, key, value)
    old.save(update_fields=list(fields))
    return old, "updated"
