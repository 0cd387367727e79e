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
from outbreakhq.core.roles import Can
from outbreakhq.tracing.importing_values import squash

KINDS = ("cases", "contacts", "links")
# What writing each kind needs (core/roles.py): cases and their links are the epidemiologist's
# decisions; contacts are traced.
KIND_CAPABILITY = {"cases": Can.MANAGE_CASE, "contacts": Can.TRACE_CONTACT,
                   "links": Can.MANAGE_CASE}
IGNORE = ""
# Columns our export adds that an import does not read: ignored, so an export imports again.
# (`record` is the number in the exporting database; the row's reference is `external_id`.)
EXPORT_ONLY = ("record", "status", "followup_start", "followup_end", "cluster",
               "converted_case")


@dataclass(frozen=True)
class Field:
    key: str
    label: object  # a lazy translation
    required: bool = False
    headers: tuple[str, ...] = ()  # usual headers in Chinese line lists


_PERSON = (
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
_CASE = (
    Field("external_id", gettext_lazy("Case id"), True,
          ("病例编号", "编号", "case id", "case no", "external id")),
    Field("classification", gettext_lazy("Classification"), True, ("分类", "病例分类", "诊断类型")),
    Field("onset_date", gettext_lazy("Onset date"), False, ("发病日期", "onset")),
    Field("sampling_date", gettext_lazy("Sampling date"), False, ("采样日期", "sampled")),
    Field("report_date", gettext_lazy("Report date"), True, ("报告日期", "reported", "报告时间")),
    Field("detection_route", gettext_lazy("Detection route"), True,
          ("发现途径", "发现方式", "found by")),
    Field("severity", gettext_lazy("Severity"), False, ("临床分型", "病情", "严重程度")),
    Field("outcome", gettext_lazy("Outcome"), False, ("转归",)),
    Field("outcome_date", gettext_lazy("Outcome date"), False, ("转归日期",)),
    Field("source_case", gettext_lazy("Source case id"), False,
          ("传染源编号", "感染来源编号", "关联病例编号", "infector")),
    Field("exposure_type", gettext_lazy("Type of exposure"), False, ("暴露类型", "接触方式")),
    Field("exposure_date", gettext_lazy("Exposure date"), False, ("暴露日期", "接触日期")),
)
_CONTACT = (
    Field("external_id", gettext_lazy("Contact id"), True,
          ("密接编号", "编号", "contact id", "external id")),
    Field("source_case", gettext_lazy("Source case id"), False,
          ("关联病例编号", "病例编号", "传染源编号", "case id")),
    Field("source_contact", gettext_lazy("Source contact id"), False, ("关联密接编号",)),
    Field("category", gettext_lazy("Category"), False, ("类别", "人员类别", "接触者类别")),
    Field("contact_type", gettext_lazy("Type of contact"), True, ("接触方式", "接触类型")),
    Field("last_exposure", gettext_lazy("Last exposure"), True,
          ("末次接触日期", "最后接触日期", "末次暴露日期", "last contact")),
)
_LINK = (
    Field("infector", gettext_lazy("Infector case id"), True,
          ("传染源编号", "感染者编号", "source case", "source")),
    Field("infectee", gettext_lazy("Infectee case id"), True,
          ("被感染者编号", "病例编号", "case", "target")),
    Field("exposure_type", gettext_lazy("Type of exposure"), False, ("暴露类型", "接触方式")),
    Field("date", gettext_lazy("Exposure date"), False, ("暴露日期", "接触日期", "date")),
)
FIELDS: dict[str, tuple[Field, ...]] = {
    "cases": _PERSON + _CASE, "contacts": _PERSON + _CONTACT, "links": _LINK,
}


def fields_of(kind: str) -> dict[str, Field]:
    if kind not in FIELDS:
        raise InvalidInput(_("Unknown kind of import %(kind)r: use cases, contacts or links.")
                           % {"kind": kind})
    return {f.key: f for f in FIELDS[kind]}


def guess_mapping(kind: str, header: list[str]) -> dict[str, str]:
    """Columns whose header names a field (key, English label or usual header); the rest are
    left out, so that they show up as unknown columns until the user maps or ignores them."""
    names: dict[str, str] = {}
    for field in FIELDS[kind]:
        for word in (field.key, str(field.label), *field.headers):
            names.setdefault(squash(word), field.key)
    mapping, taken = {}, set()
    for column in header:
        key = names.get(squash(column))
        if key is not None and key not in taken:
            mapping[column] = key
            taken.add(key)
        elif column in EXPORT_ONLY:
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
    if kind is not None and kind not in KINDS:
        raise InvalidInput(_("Unknown kind of import %(kind)r: use cases, contacts or links.")
                           % {"kind": kind})
    return kind, {k.strip(): v.strip() for k, v in columns.items()}
