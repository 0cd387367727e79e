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
    Field("name", gettext_lazy("Name"), True, ("姓名", "名字", "full name")),
    Field("sex", gettext_lazy("Sex"), False, ("性别", "gender")),
    Field("birth_date", gettext_lazy("Date of birth"), False, ("出生日期", "生日", "dob")),
    Field("id_type", gettext_lazy("Identity document"), False, ("证件类型", "document type")),
    Field("id_number", gettext_lazy("Document number"), False,
          ("证件号码", "身份证号", "身份证号码", "id", "id no")),
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


def check_header(kind: str, header: list[str], mapping: dict[str, str]) -> dict[str, int]:
    """Field key -> column index, or InvalidInput naming every missing and unknown column."""
    fields = fields_of(kind)
    errors: list[FieldError] = []
    bad_targets = sorted(f for f in set(mapping.values()) - set(fields) if f != IGNORE)
    for target in bad_targets:
        errors.append(FieldError(target, _("the mapping names a field that %(kind)s imports do "
                                           "not have") % {"kind": kind}, 1))
    seen: set[str] = set()
    for column in header:
        if not column:
            continue  # a column with no header is read only to refuse values in it
        if column in seen:
            errors.append(FieldError(column, _("the column appears twice in the header"), 1))
        seen.add(column)
        if column not in mapping:
            errors.append(FieldError(column, _("unknown column: map it to a field or ignore it"),
                                     1))
    index = {mapping[c]: i for i, c in enumerate(header) if mapping.get(c)}
    for field in fields.values():
        if field.required and field.key not in index:
            columns = [c for c, f in mapping.items() if f == field.key]
            where = _("column %(columns)s is missing from the file") % {
                "columns": ", ".join(columns)} if columns else _("no column is mapped to it")
            errors.append(FieldError(str(field.label), where, 1))
    if errors:
        raise InvalidInput(_("The header does not fit the %(kind)s import; nothing was "
                             "imported.") % {"kind": kind}, errors)
    return index


def load_mapping_file(path: Path) -> tuple[str | None, dict[str, str]]:
    """A mapping file for the CLI: JSON or TOML, either {column: field} or
    {kind = "cases", columns = {column = field}}. Returns (kind or None, mapping)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (OSError, ValueError) as exc:
        raise InvalidInput(_("The mapping file %(path)s cannot be read: %(reason)s")
                           % {"path": path, "reason": exc}) from None
    return mapping_from_data(data)


def mapping_from_data(data: object) -> tuple[str | None, dict[str, str]]:
    if not isinstance(data, dict):
        raise InvalidInput(_("A mapping is an object of file column to field."))
    kind = data.get("kind") if isinstance(data.get("columns"), dict) else None
    columns = data["columns"] if kind is not None or "columns" in data else data
    if not isinstance(columns, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in columns.items()):
        raise InvalidInput(_("A mapping is an object of file column to field (both text)."))
    if kind is not None:
        importer_for(kind)  # refuses an unknown kind
    return kind, {k.strip(): v.strip() for k, v in columns.items()}
