"""Importing line lists of cases, contacts and transmission links (issue 4, "Import and export").

Two steps, as in core/areas.py: `plan_import` reads the whole file, converts and checks every row
against the database and writes nothing; it returns every row-level error (row, column, reason)
and the first rows as they will be stored. `run_import` commits a plan with no errors in one
transaction through the tracing services, which own every write and rule; a batch that fails
commits nothing. Records are matched by external id, so importing a file twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from outbreakhq import protocols
from outbreakhq.core import audit, scoped
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.core.models import Area
from outbreakhq.core.roles import Can
from outbreakhq.core.scoped import require_role
from outbreakhq.tracing import importing_previews as previews
from outbreakhq.tracing.importing_checks import (
    Chains,
    Checker,
    contact_is_the_case,
    exposed_after_report,
    ref_of,
)
from outbreakhq.tracing.importing_fields import (
    KIND_CAPABILITY,
    check_header,
    fields_of,
    guess_mapping,
)
from outbreakhq.tracing.importing_read import open_table, read_rows
from outbreakhq.tracing.importing_rows import Row, RowParser, missing_required, stray_cells
from outbreakhq.tracing.models import Case, Contact, ContactCategory

PREVIEW_ROWS = 20
MAX_ERRORS = 1000
REQUIRED = {
    "cases": ("name", "external_id", "classification", "report_date", "detection_route"),
    "contacts": ("name", "external_id", "contact_type", "last_exposure"),
    "links": ("infector", "infectee"),
}
CASE_FIELDS = ("classification", "onset_date", "sampling_date", "report_date",
               "detection_route", "severity", "outcome", "outcome_date")
CONTACT_FIELDS = ("contact_type", "last_exposure")


@dataclass
class Plan:
    """A checked file: rows with their action, and every error. Nothing is written yet."""

    kind: str
    rows: list[Row]
    errors: list[FieldError]
    columns: dict[str, str]  # field key -> the file's column
    tenant_id: int | None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def preview(self) -> list[Row]:
        return self.rows[:PREVIEW_ROWS]

    @property
    def ok(self) -> bool:
        return not self.errors


def plan_import(*, actor: Actor, kind: str, path: Path, name: str | None = None,
                mapping: dict[str, str] | None = None, area: Area | None = None) -> Plan:
    """Read and check a file. File-level problems (header, encoding, size) raise InvalidInput;
    row-level problems are collected in `Plan.errors`, all of them, sorted by row."""
    fields_of(kind)
    with open_table(path, name=name) as table:
        mapping = guess_mapping(kind, table.header) if mapping is None else mapping
        index = check_header(kind, table.header, mapping)
        columns = {key: table.header[i] for key, i in index.items()}
        parser = RowParser(index, columns, today=timezone.localdate())
        rows, errors = [], []
        for number, cells in read_rows(table):
            row, row_errors = parser.parse(number, cells)
            rows.append(row)
            errors += row_errors + missing_required(row, REQUIRED[kind], columns) + \
                stray_cells(number, cells, table.header)
    if not rows:
        raise InvalidInput(_("The file has a header but no rows. Nothing was imported."))
    checker = Checker(actor=actor, columns=columns, area=area, capability=KIND_CAPABILITY[kind])
    {"cases": _check_cases, "contacts": _check_contacts, "links": _check_links}[kind](
        checker, rows)
    errors = sorted(errors + checker.errors, key=lambda e: (e.row or 0, e.field))
    plan = Plan(kind, rows, errors[:MAX_ERRORS], columns, checker.tenant_id)
    plan.counts = {action: sum(r.action == action for r in rows)
                   for action in ("create", "update", "unchanged")}
    return plan


def _check_cases(checker: Checker, rows: list[Row]) -> None:
    checker.unique(rows, "external_id")
    checker.areas(rows)
    if checker.tenant_id is None:
        return
    checker.existing(rows, Case)
    checker.people(rows)
    in_file = {r.values.get("external_id") for r in rows} - {None, ""}
    checker.source_cases(rows, "source_case", in_file=in_file)
    chains = Chains(checker.tenant_id)
    for row in rows:
        source, own = row.values.get("source_case"), row.values.get("external_id")
        # Only links between cases the user may see (or the file's own) are walked: a cycle
        # through a case answered as unknown, or an id taken elsewhere, would tell about it.
        known = source in in_file or "source_case" in row.refs
        if source and own and source == own:
            checker.error(row, "source_case", _("a case cannot be its own source"))
        elif source and own and known and "taken" not in row.refs and \
                not chains.link(own, source):
            checker.error(row, "source_case", _(
                "%(source)s was itself infected, directly or through others, by %(case)s: the "
                "link would make a cycle") % {"source": source, "case": own})
    for row in rows:
        _set_action(row, row.refs.get("record"), CASE_FIELDS)
        record = row.refs.get("record")
        source = row.values.get("source_case")
        if record is not None and source and (record.source_case is None or
                                              ref_of(record.source_case) != source):
            row.changes.append("source_case")
            row.action = "update"


def _set_action(row: Row, record, keys: tuple[str, ...]) -> None:
    """create, or update listing the changed fields, or unchanged. A blank optional cell keeps
    the stored value: an import adds what it knows and never erases what others recorded."""
    if record is None:
        row.action = "create"
        return
    row.changes = [k for k in keys if row.values.get(k) not in (None, "")
                   and getattr(record, k) != row.values[k]]
    row.action = "update" if row.changes else "unchanged"


def _check_contacts(checker: Checker, rows: list[Row]) -> None:
    checker.unique(rows, "external_id")
    checker.areas(rows)
    if checker.tenant_id is None:
        return
    checker.existing(rows, Contact)
    checker.people(rows)
    checker.source_cases(rows, "source_case", in_file=set())
    checker.repeated_contacts(rows)
    contacts_in_file = {r.values.get("external_id"): r for r in rows}
    stored_sources = checker.visible(checker.stored(
        Contact, (r.values.get("source_contact") for r in rows)))  # outside the scope: unknown
    lookback = timedelta(days=protocols.current().tracing.lookback_days_before_onset)
    for row in rows:
        _check_contact_row(checker, row, contacts_in_file, stored_sources, lookback)


def _check_contact_row(checker: Checker, row: Row, in_file: dict, stored: dict,
                       lookback: timedelta) -> None:
    values = row.values
    source_contact = values.get("source_contact")
    if not values.get("category"):
        values["category"] = ContactCategory.SECONDARY if source_contact else \
            ContactCategory.CLOSE
    if values["category"] == ContactCategory.SECONDARY:
        if not source_contact:
            checker.error(row, "source_contact" if "source_contact" in checker.columns
                          else "category", _("a contact of a close contact needs the id of "
                                             "that close contact (source contact)"))
        elif source_contact not in in_file and source_contact not in stored:
            checker.error(row, "source_contact", _("unknown source contact %(id)r")
                          % {"id": source_contact})
        elif source_contact in stored:
            row.refs["source_contact"] = stored[source_contact]
    elif not values.get("source_case") and "source_case" not in row.refs:
        checker.error(row, "source_case", _("is empty: a close contact needs its source case"))
    case = row.refs.get("source_case")
    if case is not None:
        if contact_is_the_case(row, case):
            checker.error(row, "id_number" if values.get("id_number") else "source_case", _(
                "this person is the source case %(id)s: a case cannot be its own contact")
                % {"id": ref_of(case)})
        if exposed_after_report(row, "last_exposure", case.report_date):
            checker.error(row, "last_exposure", _(
                "exposure after the report date of case %(id)s (%(date)s)")
                % {"id": ref_of(case), "date": case.report_date.isoformat()})
        anchor = case.onset_date or case.sampling_date
        exposed = values.get("last_exposure")
        if anchor and exposed and exposed < anchor - lookback:
            checker.error(row, "last_exposure", _(
                "%(date)s is before case %(id)s could infect anyone (from %(start)s)") % {
                "date": exposed.isoformat(), "id": ref_of(case),
                "start": (anchor - lookback).isoformat()})
    _contact_action(checker, row)


def _contact_action(checker: Checker, row: Row) -> None:
    """Type and last exposure of a stored contact are corrected by an update; its category and
    source define the contact (the services keep them), so a row that differs there is refused."""
    record = row.refs.get("record")
    _set_action(row, record, CONTACT_FIELDS)
    if record is None:
        return
    fixed = []
    source = row.values.get("source_case")
    if source and (record.source_case is None or ref_of(record.source_case) != source):
        fixed.append("source_case")
    if row.values["category"] != record.category:
        fixed.append("category")
    if fixed:
        checker.error(row, "external_id", _(
            "contact %(id)s is stored with another %(fields)s, which define the contact; give "
            "this row a new id if it is another contact") % {
            "id": ref_of(record), "fields": ", ".join(fixed)})


def _check_links(checker: Checker, rows: list[Row]) -> None:
    checker.tenant_for_links()
    names = {r.values.get(k) for r in rows for k in ("infector", "infectee")}
    stored = checker.visible(checker.stored(Case, names - {None, ""}))  # others are unknown
    chains = Chains(checker.tenant_id)
    first: dict[str, int] = {}
    for row in rows:
        infector, infectee = (stored.get(row.values.get(k) or "") for k in ("infector",
                                                                             "infectee"))
        for key, case in (("infector", infector), ("infectee", infectee)):
            if row.values.get(key) and case is None:
                checker.error(row, key, _("unknown case %(id)r: import the cases first")
                              % {"id": row.values[key]})
        if infector is None or infectee is None:
            continue
        _check_link_row(checker, row, infector, infectee, chains, first)


def _check_link_row(checker: Checker, row: Row, infector: Case, infectee: Case,
                    chains: Chains, first: dict[str, int]) -> None:
    name = ref_of(infectee)
    if not checker.may(Can.MANAGE_CASE, infectee.area):  # seen (else unknown), not changed
        checker.error(row, "infectee", _("you may see case %(id)s but not change it")
                      % {"id": name})
    exposed = row.values.get("date")
    if exposed and exposed > infectee.report_date:
        checker.error(row, "date", _("exposure after the report date of case %(id)s (%(date)s)")
                      % {"id": name, "date": infectee.report_date.isoformat()})
    if name in first:
        checker.error(row, "infectee", _("case %(id)s already has its source in row %(row)d; "
                                         "a case has one infector") % {"id": name,
                                                                       "row": first[name]})
        return
    first[name] = row.number
    if not chains.link(name, ref_of(infector)):
        checker.error(row, "infector", _(
            "%(infector)s was itself infected, directly or through others, by %(infectee)s: "
            "the link would make a cycle") % {"infector": ref_of(infector),
                                              "infectee": name})
    row.refs.update(infector=infector, infectee=infectee)
    row.action = "unchanged" if infectee.source_case_id == infector.pk else (
        "update" if infectee.source_case_id else "create")


def _area_of(plan: Plan) -> Area | None:
    """Where the import's audit event is placed: the first row's area (links: its case's)."""
    for row in plan.rows:
        area = row.refs.get("area") or getattr(row.refs.get("infectee"), "area", None)
        if area is not None:
            return area
    return None


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    people_registered: int = 0
    people_matched: int = 0


def preview_import(*, actor: Actor, kind: str, path: Path, name: str | None = None,
                   mapping: dict[str, str] | None = None, area: Area | None = None,
                   dry_run: bool = False) -> Plan:
    """Check a file for the user to see (a preview or a dry run): refused with 429 beyond the
    user's previews per 10 minutes, else one audit event naming what the file matched."""
    # The role first: a preview by a role that may not import would be an oracle too.
    require_role(actor, KIND_CAPABILITY.get(kind, Can.MANAGE_CASE),
                 what=f"{kind}_import")
    label = name or path.name
    previews.guard(actor=actor, kind=kind, name=label)
    plan = plan_import(actor=actor, kind=kind, path=path, name=name, mapping=mapping, area=area)
    previews.record(actor=actor, plan=plan, name=label, area=_area_of(plan), dry_run=dry_run)
    return plan


def run_import(*, actor: Actor, kind: str, path: Path, name: str | None = None,
               mapping: dict[str, str] | None = None, area: Area | None = None,
               dry_run: bool = False) -> tuple[Plan, ImportResult | None]:
    """Check the file and, when every row is right and this is no dry run, commit it whole."""
    require_role(actor, KIND_CAPABILITY.get(kind, Can.MANAGE_CASE),
                 what=f"{kind}_import")
    if dry_run:
        plan = preview_import(actor=actor, kind=kind, path=path, name=name, mapping=mapping,
                              area=area, dry_run=True)
    else:
        plan = plan_import(actor=actor, kind=kind, path=path, name=name, mapping=mapping, area=area)
        if plan.errors:
            # Refused for its rows, the run answers what a preview would: limited and audited
            # as one, or the limit on previews could be walked around with a bad row.
            label = name or path.name
            previews.guard(actor=actor, kind=kind, name=label)
            previews.record(actor=actor, plan=plan, name=label, area=_area_of(plan), dry_run=False)
    if plan.errors:
        raise InvalidInput(_("Nothing was imported; correct these rows."), plan.errors)
    if dry_run:
        return plan, None
    try:
        result = _commit(actor=actor, plan=plan, name=name or path.name)
    except IntegrityError:
        # Someone wrote a record with one of the file's external ids between the checks and
        # the commit (a second import of the same file, say): the batch rolled back whole.
        raise InvalidInput(_("Nothing was imported: records with these external ids were "
                             "written meanwhile. Import the file again; it will find them.")) \
            from None
    return plan, result


def _commit(*, actor: Actor, plan: Plan, name: str) -> ImportResult:
    from outbreakhq.tracing.importing_write import write_plan

    # scoped.atomic: a row refused inside the batch stays audited when the batch rolls back.
    with scoped.atomic():
        result = write_plan(actor=actor, plan=plan)
        audit.record(actor=actor, action="create", object_type=f"{plan.kind}_import",
                     area=_area_of(plan),
                     detail={"file": name, "rows": len(plan.rows), "created": result.created,
                             "updated": result.updated, "unchanged": result.unchanged})
    return result
