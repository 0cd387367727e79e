"""What an import can fill, per kind of file, and how file columns map onto it.

A mapping is a plain dict {file column: field key}; a column mapped to "" is read and ignored.
Without a saved mapping the columns are guessed from their header (the field key, its English
label or a usual Chinese header), so a file that uses our own export's header needs no mapping.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.interop.registry import importer_for
from outbreakhq.interop.values import squash

IGNORE = ""


@dataclass(frozen=True)
class Field:
    key: str
    label: object  # a lazy translation
    required: bool = False
    headers: tuple[str, ...] = ()  # usual headers in Chinese line lists


# A person's fields (core's Person), shared by every importer of records about people.
PERSON_FIELDS = (
    # Not required: a published, de-identified line list has no names (issue 14). An importer
    # whose records need one (contacts) says so in its own fields.
    Field("name", gettext_lazy("Name"), False, ("姓名", "名字", "full name", "patient name")),
    Field("sex", gettext_lazy("Sex"), False, ("性别", "gender", "sex_at_birth")),
    Field("birth_date", gettext_lazy("Date of birth"), False,
          ("出生日期", "生日", "dob", "date_of_birth", "dt_birth")),
    Field("id_type", gettext_lazy("Identity document"), False, ("证件类型", "document type")),
    # Never a bare "id": in a line list that is the case's number, not a document's.
    Field("id_number", gettext_lazy("Document number"), False,
          ("证件号码", "身份证号", "身份证号码", "id no", "id number", "document number",
           "national id")),
    Field("phone", gettext_lazy("Phone"), False, ("联系电话", "电话", "手机", "手机号", "mobile")),
    Field("home_area", gettext_lazy("Home area code"), False,
          ("现住址区划", "区划代码", "住址区划代码", "area", "area code")),
    Field("address", gettext_lazy("Address"), False, ("现住址", "住址", "地址")),
    # "#12", as our exports write it: the same person for the rows of one file, and the
    # stored person 12 when it is the same person (name, document) in this database.
    Field("person", gettext_lazy("Person record"), False, ()),
)
def fields_of(kind: str) -> dict[str, Field]:
    return {f.key: f for f in importer_for(kind).fields}


@dataclass(frozen=True)
class Mapping:
    """How a file's columns become fields (issue 14).

    `columns`: file column -> the field keys it feeds (one column may feed several; none:
    ignored). `constants`: field -> one value for every row (a field the file lacks, such as
    the classification of a published line list). `values`: field -> {the file's word: ours},
    applied before the usual conversion ("Recover" -> "recovered"). Stored and exchanged as
    plain JSON (`as_data`): the old `{column: field}` object is still a mapping."""

    columns: dict[str, tuple[str, ...]]
    constants: dict[str, str]
    values: dict[str, dict[str, str]]

    def fields_of(self, column: str) -> tuple[str, ...] | None:
        return self.columns.get(column)

    def as_data(self) -> dict:
        """The JSON form: `{column: field}` when that says it all, else the full object."""
        plain = all(len(keys) <= 1 for keys in self.columns.values())
        columns = {c: (keys[0] if len(keys) == 1 else (IGNORE if not keys else list(keys)))
                   for c, keys in self.columns.items()}
        if plain and not self.constants and not self.values:
            return columns
        return {"columns": columns, "constants": dict(self.constants),
                "values": {k: dict(v) for k, v in self.values.items()}}

    def first_fields(self) -> dict[str, str]:
        """{column: its first field, or ""}: what a page's one drop-down per column shows."""
        return {c: (keys[0] if keys else IGNORE) for c, keys in self.columns.items()}


def as_mapping(data: object) -> Mapping:
    """A mapping from its JSON form (either shape), or InvalidInput saying what is wrong."""
    if isinstance(data, Mapping):
        return data
    _kind, mapping = _parse(data)
    return mapping


def guess_mapping(kind: str, header: list[str]) -> dict[str, str]:
    """Columns whose header names a field (key, English label or usual header); the rest are
    left out, so that they show up as unknown columns until the user maps or ignores them."""
    names: dict[str, str] = {}
    importer = importer_for(kind)
    for field in importer.fields:
        for word in (field.key, str(field.label), *field.headers):
            names.setdefault(squash(word), field.key)
    mapping, taken = {}, set()
    for column in header:
        key = names.get(squash(column))
        if key is not None and key not in taken:
            mapping[column] = key
            taken.add(key)
        elif column in importer.ignored:
            mapping[column] = IGNORE
    return mapping


def check_header(kind: str, header: list[str], mapping: object) -> dict[str, int]:
    """Field key -> column index, or InvalidInput naming every missing and unknown column.
    A field given a constant has no column (the row parser fills it)."""
    fields = fields_of(kind)
    mapping = as_mapping(mapping)
    errors: list[FieldError] = []
    targets = {k for keys in mapping.columns.values() for k in keys} | set(mapping.constants) \
        | set(mapping.values)
    for target in sorted(targets - set(fields)):
        errors.append(FieldError(target, _("the mapping names a field that %(kind)s imports do "
                                           "not have") % {"kind": kind}, 1))
    for target in sorted(set(mapping.constants) & {k for c, keys in mapping.columns.items()
                                                   if c in header for k in keys}):
        errors.append(FieldError(target, _("the mapping gives this field both a column and a "
                                           "constant: keep one"), 1))
    seen: set[str] = set()
    for column in header:
        if not column:
            continue  # a column with no header is read only to refuse values in it
        if column in seen:
            errors.append(FieldError(column, _("the column appears twice in the header"), 1))
        seen.add(column)
        if column not in mapping.columns:
            errors.append(FieldError(column, _("unknown column: map it to a field or ignore it"),
                                     1))
    index: dict[str, int] = {}
    for i, column in enumerate(header):
        for key in mapping.columns.get(column, ()):
            if key in index:
                errors.append(FieldError(column, _("%(field)s is fed by two columns") % {
                    "field": key}, 1))
            index.setdefault(key, i)
    for field in fields.values():
        if field.required and field.key not in index and field.key not in mapping.constants:
            columns = [c for c, keys in mapping.columns.items() if field.key in keys]
            where = _("column %(columns)s is missing from the file") % {
                "columns": ", ".join(columns)} if columns else _("no column is mapped to it")
            errors.append(FieldError(str(field.label), where, 1))
    if errors:
        raise InvalidInput(_("The header does not fit the %(kind)s import; nothing was "
                             "imported.") % {"kind": kind}, errors)
    return index


def load_mapping_file(path: Path) -> tuple[str | None, dict]:
    """A mapping file for the CLI: JSON or TOML, either {column: field} or {kind = "cases",
    columns = {...}, constants = {...}, values = {...}}. Returns (kind or None, its JSON form)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (OSError, ValueError) as exc:
        raise InvalidInput(_("The mapping file %(path)s cannot be read: %(reason)s")
                           % {"path": path, "reason": exc}) from None
    return mapping_from_data(data)


def mapping_from_data(data: object) -> tuple[str | None, dict]:
    """(kind or None, the mapping's JSON form), checked: the plain `{column: field}` object,
    or `{kind, columns, constants, values}`, where a column may name a list of fields."""
    kind, mapping = _parse(data)
    return kind, mapping.as_data()


def _text(value: object) -> bool:
    return isinstance(value, str)


def _parse(data: object) -> tuple[str | None, Mapping]:
    if not isinstance(data, dict):
        raise InvalidInput(_("A mapping is an object of file column to field."))
    full = any(k in data for k in ("columns", "constants", "values")) and \
        all(isinstance(data.get(k, {}), dict) for k in ("columns", "constants", "values"))
    kind = data.get("kind") if full else None
    columns = data.get("columns", {}) if full else data
    constants = data.get("constants", {}) if full else {}
    values = data.get("values", {}) if full else {}
    wrong = _("A mapping is an object of file column to field (text, or a list of fields), "
              "with optional constants {field: value} and values {field: {word: value}}.")
    if not isinstance(columns, dict) or not all(
            _text(k) and (_text(v) or (isinstance(v, list) and all(map(_text, v))))
            for k, v in columns.items()):
        raise InvalidInput(wrong)
    if not all(_text(k) and isinstance(v, str | int | float) and not isinstance(v, bool)
               for k, v in constants.items()):
        raise InvalidInput(wrong)
    if not all(_text(k) and isinstance(v, dict) and all(
            _text(a) and isinstance(b, str) for a, b in v.items()) for k, v in values.items()):
        raise InvalidInput(wrong)
    if kind is not None:
        if not _text(kind):
            raise InvalidInput(wrong)
        importer_for(kind)  # refuses an unknown kind
    mapping = Mapping(
        columns={k.strip(): tuple(f.strip() for f in ([v] if _text(v) else v) if f.strip())
                 for k, v in columns.items()},
        constants={k.strip(): str(v).strip() for k, v in constants.items()},
        values={k.strip(): {a: b.strip() for a, b in v.items()} for k, v in values.items()})
    return kind, mapping
