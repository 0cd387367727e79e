"""Exporting filtered case and contact lists as CSV or XLSX, streamed in bounded memory.

Rows are read with `values_list(...).iterator(chunk_size=2000)`: no model instances, one chunk in
memory at a time, whatever the number of rows. CSV is written line by line; XLSX with openpyxl's
write-only workbook, which streams rows to its temporary sheet file. The header is the import's
field names, so an exported file imports again with no mapping (idempotently, by reference).

Every record is named by its external id or, when it has none, by "#<record number>", and so
is every link (source case, source contact, person, cluster, converted case): a file exported
here imports again losslessly (docs/import-export.md, "Round trip").

Scope: only rows the user may export (`Can.EXPORT_PERSON`; `Can.EXPORT_PSEUDONYMS` for the
pseudonymised layout of tracing/pseudonyms.py) — a county user's export holds no other county's
person. Every export leaves one `export` audit event naming the areas used, filters and rows,
and every person exported (published as `ListExported`; core/audit_events.py writes it with
core.audit.record_query). The event is written where the rows are read: in the request for an
export written there, in the task for one queued to the worker (exporting_jobs.py; issue 15:
naming every person of a large export held the request for seconds).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

from django.db import connection, models
from django.db.models import (
    Expression,
    F,
    Func,
    OuterRef,
    QuerySet,
    StringAgg,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils.translation import gettext as _

from outbreakhq.core import audit, events
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput, OutOfScope
from outbreakhq.core.events import ListExported
from outbreakhq.core.models import Area
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can, scope_areas
from outbreakhq.core.scoped import require
from outbreakhq.core.text import printable
from outbreakhq.interop.values import formula_like
from outbreakhq.tracing.models import CandidateInfector, Case, Contact
from outbreakhq.tracing.worklists import filter_cases, filter_contacts

FORMATS = ("csv", "xlsx")
CHUNK = 2000
# Rows an export may have and still be written inside the request; larger ones go to the task
# worker (exporting_jobs.py), so that no export holds a server thread for long. Measured with
# bench/load/export_threshold.py on the demo data (docs/benchmarks.md, "Exports: in the request
# or in the background"): 2,000 rows of CSV take 0.07 s, 500 rows of XLSX 0.1-0.26 s (XLSX
# costs about six times as much per row), each well under a second even on a busy machine.
IN_REQUEST_UP_TO = {"csv": 2000, "xlsx": 500}


def in_background(fmt: str, rows: int) -> bool:
    """Whether an export of `rows` rows is written by the task worker rather than the request."""
    return rows > IN_REQUEST_UP_TO[fmt]


def number(field: str = "id") -> Expression:
    """A record number as files show it ("#12"), blank when the link is empty."""
    return models.Case(When(**{f"{field}__isnull": True}, then=Value("")),
                       default=Concat(Value("#"), Cast(field, models.CharField())),
                       output_field=models.CharField())


def reference(link: str = "") -> Expression:
    """How a file names a record: its external id, or "#<record number>" when it has none.
    The importer reads both (tracing/importer/checks.py Checker.stored), so links survive a
    round trip for records that were typed in, not imported (docs/import-export.md, "Round
    trip")."""
    own = f"{link}__external_id" if link else "external_id"
    key = link or "id"
    return models.Case(When(**{f"{key}__isnull": True}, then=Value("")),
                       When(**{own: ""}, then=Concat(Value("#"), Cast(key, models.CharField()))),
                       default=F(own), output_field=models.CharField())


def case_source() -> Expression:
    """A case's source as a file names it: the source case's reference, or the external id a
    file gave of an infector that is not a case here (issue 14), so that it survives a round
    trip and is linked by itself in a database where that case exists."""
    return models.Case(When(source_case__isnull=True, then=F("source_external_id")),
                       default=reference("source_case"), output_field=models.CharField())


SEPARATOR = ";"  # between the ids of a case's other possible infectors


class _OrderedNames(Func):
    """The `;`-joined names of an ordered one-column subquery (column `n`), for a database
    without ORDER BY in an aggregate (SQLite before 3.44): group_concat over the ordered
    subquery, whose rows SQLite concatenates in the order the subquery gives them."""

    template = "(SELECT group_concat(n, '" + SEPARATOR + "') FROM %(expressions)s)"
    output_field = models.CharField()


def other_candidates(name: Expression | None = None) -> Expression:
    """A case's possible infectors other than the most likely (issue 14), in the order the file
    that brought them listed them, `;`-separated: each named as a file names a case (its
    external id or "#<record number>") when it is a case here, else by the external id the
    file gave. The most likely one is the case's `source_case` column. One subquery per row
    (the case's candidates, by the index on case), blank when there are none."""
    if name is None:
        name = models.Case(
            When(infector__isnull=True, then=F("external_id")),
            When(infector__external_id="", then=Concat(Value("#"), Cast(
                "infector_id", models.CharField()))),
            default=F("infector__external_id"), output_field=models.CharField())
    others = CandidateInfector.objects.filter(case=OuterRef("pk"), most_likely=False)
    if connection.features.supports_aggregate_order_by_clause:  # PostgreSQL
        names = Subquery(others.order_by().values("case").annotate(
            names=StringAgg(name, Value(SEPARATOR), order_by="position")).values("names"),
            output_field=models.CharField())
    else:
        names = _OrderedNames(Subquery(others.annotate(n=name).order_by("position")
                                       .values("n")))
    return Coalesce(names, Value(""), output_field=models.CharField())


PERSON = (("name", "person__name"), ("sex", "person__sex"),
          ("birth_date", "person__birth_date"), ("id_type", "person__id_type"),
          ("id_number", "person__id_number"), ("phone", "person__phone"),
          ("home_area", "person__home_area__code"), ("address", "person__address"))
Source = str | Expression
COLUMNS: dict[str, tuple[tuple[str, Source], ...]] = {
    "cases": (("record", number()), ("external_id", reference()), *PERSON,
              ("person", number("person")),
              ("classification", "classification"), ("onset_date", "onset_date"),
              ("sampling_date", "sampling_date"), ("report_date", "report_date"),
              ("detection_route", "detection_route"), ("severity", "severity"),
              ("outcome", "outcome"), ("outcome_date", "outcome_date"),
              ("source_case", case_source()), ("other_candidate_sources", other_candidates()),
              ("cluster", number("cluster"))),
    "contacts": (("record", number()), ("external_id", reference()), *PERSON,
                 ("person", number("person")),
                 ("source_case", reference("source_case")),
                 ("source_contact", reference("source_contact")),
                 ("category", "category"), ("contact_type", "contact_type"),
                 ("last_exposure", "last_exposure"), ("status", "status"),
                 ("followup_start", "followup_start"), ("followup_end", "followup_end"),
                 ("converted_case", reference("converted_case"))),
}
# The filters each list applies (worklists.filter_cases / filter_contacts): only these are
# applied, so only these are audited; an unknown parameter is neither.
FILTERS = {"cases": ("q", "from", "to", "classification", "route", "no_source"),
           "contacts": ("q", "from", "to", "status", "category", "case")}


@dataclass(frozen=True)
class Export:
    """The rows of one export, ready to write: `layout` names its columns (a key of COLUMNS),
    `convert` (pseudonymised exports) turns each fetched tuple into the written one."""

    layout: str
    rows: QuerySet
    convert: Callable[[tuple], tuple] | None = None

    def tuples(self) -> Iterator[tuple]:
        fetched = iter_tuples(self.rows)
        return fetched if self.convert is None else map(self.convert, fetched)


def _scoped(actor: Actor, kind: str, capability: str, within: Area | None,
            filters: Mapping) -> QuerySet:
    if kind == "cases":
        rows = filter_cases(Case.objects.visible_to(actor, capability, within=within), filters)
        return rows.order_by("report_date", "pk")
    if kind == "contacts":
        rows = filter_contacts(Contact.objects.visible_to(actor, capability, within=within),
                               filters)
        return rows.order_by("last_exposure", "pk")
    raise InvalidInput(_("Only cases and contacts can be exported."))


def export_rows(*, actor: Actor, kind: str, within: Area | None = None,
                filters: Mapping | None = None) -> QuerySet:
    """The filtered, scoped rows of a full export, as tuples in COLUMNS order, oldest first."""
    rows = _scoped(actor, kind, Can.EXPORT_PERSON, within, dict(filters or {}))
    return rows.values_list(*(source for _key, source in COLUMNS[kind]))


def prepare(*, actor: Actor, kind: str, within: Area | None = None, filters: Mapping | None = None,
            pseudonymised: bool = False) -> Export:
    """The export to write: full, or pseudonymised (tracing/pseudonyms.py)."""
    if not pseudonymised:
        return Export(kind, export_rows(actor=actor, kind=kind, within=within, filters=filters))
    from outbreakhq.tracing import pseudonyms

    rows = _scoped(actor, kind, Can.EXPORT_PSEUDONYMS, within, dict(filters or {}))
    return pseudonyms.export_of(kind, rows)


def header(layout: str) -> list[str]:
    if layout in COLUMNS:
        return [key for key, _source in COLUMNS[layout]]
    from outbreakhq.tracing.pseudonyms import HEADERS

    return list(HEADERS[layout])


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
        # round an 18-digit number. Control characters that older data holds (refused at the
        # door since, core/text.py) are left out: XLSX cannot hold them.
        sheet.append([text_cell(printable(_cell(v))) for v in row])
        count += 1
    book.save(path)
    return count


def applied_filters(kind: str, filters: Mapping | None) -> dict[str, str]:
    """The filters an export of `kind` applies, as text; blank and unknown ones dropped."""
    given = filters or {}  # a QueryDict too: .get gives its value, not the list of them
    return {k: str(given.get(k)) for k in FILTERS.get(kind, ())
            if given.get(k) not in (None, "")}


@dataclass(frozen=True)
class PlannedExport:
    """An export checked and counted, not yet audited: `record()` writes its `export` event
    when the rows are read (in the request for a small one, in the task for a large one)."""

    actor: Actor
    kind: str
    fmt: str
    within: Area | None
    filters: dict[str, str]  # the filters applied (applied_filters)
    pseudonymised: bool
    export: Export
    count: int

    @property
    def in_background(self) -> bool:
        return in_background(self.fmt, self.count)

    def record(self, **detail) -> None:
        """The one `export` audit event, naming what was exported: the areas actually used,
        the filters applied, the rows, pseudonymised or not, and (core/audit.py record_query)
        every person behind the rows, so "who looked at this person" finds it."""
        capability = Can.EXPORT_PSEUDONYMS if self.pseudonymised else Can.EXPORT_PERSON
        areas = scope_areas(self.actor, capability, within=self.within)
        events.publish(ListExported(
            actor=self.actor, kind=self.kind, rows=self.export.rows,
            area=self.within or (areas[0] if len(areas) == 1 else None),
            detail={"format": self.fmt, "filters": self.filters, "rows": self.count,
                    "scope": [a.code for a in areas], "pseudonymised": self.pseudonymised,
                    **detail}))


def plan_export(*, actor: Actor, kind: str, fmt: str, within: Area | None = None,
                filters: Mapping | None = None, pseudonymised: bool = False) -> PlannedExport:
    """Check the request and count the rows; audits nothing but a refusal. An area outside the
    user's scope is refused (audited as `denied`), never widened."""
    if fmt not in FORMATS:
        raise InvalidInput(_("Export as csv or xlsx."))
    if kind not in COLUMNS:
        raise InvalidInput(_("Only cases and contacts can be exported."))
    capability = Can.EXPORT_PSEUDONYMS if pseudonymised else Can.EXPORT_PERSON
    if within is not None:
        require(actor, capability, within, what=kind)
    elif not can(actor, capability):
        audit.record(actor=actor, action="denied", object_type=kind,
                     detail={"capability": capability})
        raise OutOfScope(_("You may not export pseudonymised line lists.") if pseudonymised
                         else _("You may not export personal data."))
    filters = applied_filters(kind, filters)
    if pseudonymised and "q" in filters:
        # A search by name or document would tell an analyst whether that person is a case.
        raise InvalidInput(_("A pseudonymised export cannot be searched by name or document."))
    export = prepare(actor=actor, kind=kind, within=within, filters=filters,
                     pseudonymised=pseudonymised)
    return PlannedExport(actor=actor, kind=kind, fmt=fmt, within=within, filters=filters,
                         pseudonymised=pseudonymised, export=export,
                         count=export.rows.count())


def start_export(*, actor: Actor, kind: str, fmt: str, within: Area | None = None,
                 filters: Mapping | None = None, pseudonymised: bool = False) -> tuple[Export, int]:
    """An export written now (a small one in the request, the `export` command): checked,
    counted and audited at once."""
    planned = plan_export(actor=actor, kind=kind, fmt=fmt, within=within, filters=filters,
                          pseudonymised=pseudonymised)
    planned.record()
    return planned.export, planned.count
