"""The import pipeline: read, map, convert, plan once, preview, commit (issue 4, issue 8).

`plan_import` reads the whole file, converts every row, runs the importer's checks against the
database and writes nothing; it returns every row-level error (row, column, reason) and the
rows with their action (create, update, unchanged). `commit_plan` writes a plan with no errors
in one transaction through the importer's set-based writer; a batch that fails commits nothing.
Records are matched by external id, so importing a file twice changes nothing.

A plan is made once per upload: the preview keeps it beside the upload (uploads.keep_plan) and
the commit, in the request or in the task worker, uses it while it is fresh (uploads.py says
how fresh, and what else must be the same). jobs.py decides where a commit runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from outbreakhq.core import audit, scoped
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.core.models import Area
from outbreakhq.core.scoped import require_role
from outbreakhq.interop import previews
from outbreakhq.interop.fields import check_header, guess_mapping
from outbreakhq.interop.read import open_table, read_rows
from outbreakhq.interop.registry import importer_for
from outbreakhq.interop.rows import Row, RowParser, missing_required, stray_cells

PREVIEW_ROWS = 20
MAX_ERRORS = 1000


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


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    people_registered: int = 0
    people_matched: int = 0


def plan_import(*, actor: Actor, kind: str, path: Path, name: str | None = None,
                mapping: dict[str, str] | None = None, area: Area | None = None) -> Plan:
    """Read and check a file. File-level problems (header, encoding, size) raise InvalidInput;
    row-level problems are collected in `Plan.errors`, all of them, sorted by row."""
    importer = importer_for(kind)
    with open_table(path, name=name) as table:
        mapping = guess_mapping(kind, table.header) if mapping is None else mapping
        index = check_header(kind, table.header, mapping)
        columns = {key: table.header[i] for key, i in index.items()}
        parser = RowParser(importer, index, columns, today=timezone.localdate())
        rows, errors = [], []
        for number, cells in read_rows(table):
            row, row_errors = parser.parse(number, cells)
            rows.append(row)
            errors += row_errors + missing_required(row, importer.required, columns) + \
                stray_cells(number, cells, table.header)
    if not rows:
        raise InvalidInput(_("The file has a header but no rows. Nothing was imported."))
    checked = importer.check(actor=actor, rows=rows, columns=columns, area=area)
    errors = sorted(errors + checked.errors, key=lambda e: (e.row or 0, e.field))
    plan = Plan(kind, rows, errors[:MAX_ERRORS], columns, checked.tenant_id)
    plan.counts = {action: sum(r.action == action for r in rows)
                   for action in ("create", "update", "unchanged")}
    return plan


def area_of(plan: Plan) -> Area | None:
    """Where the import's audit event is placed: the first row's area, else the area of the
    first record it refers to (a links file names no area)."""
    for row in plan.rows:
        area = row.refs.get("area")
        if isinstance(area, Area):
            return area
        for ref in row.refs.values():
            if isinstance(getattr(ref, "area", None), Area):
                return ref.area
    return None


def require_import_role(actor: Actor, kind: str) -> None:
    """The role first: a preview by a role that may not import would be an oracle too."""
    importer = importer_for(kind)
    if importer.allows is not None and importer.allows(actor.user):
        return
    require_role(actor, importer.capability, what=f"{kind}_import")


def preview_import(*, actor: Actor, kind: str, path: Path, name: str | None = None,
                   mapping: dict[str, str] | None = None, area: Area | None = None,
                   dry_run: bool = False) -> Plan:
    """Check a file for the user to see (a preview or a dry run): refused with 429 beyond the
    user's previews per 10 minutes, else one audit event naming what the file matched."""
    require_import_role(actor, kind)
    label = name or path.name
    previews.guard(actor=actor, kind=kind, name=label)
    plan = plan_import(actor=actor, kind=kind, path=path, name=name, mapping=mapping, area=area)
    previews.record(actor=actor, plan=plan, name=label, area=area_of(plan), dry_run=dry_run)
    return plan


def checked_plan(*, actor: Actor, kind: str, path: Path, name: str | None = None,
                 mapping: dict[str, str] | None = None, area: Area | None = None,
                 dry_run: bool = False, plan: Plan | None = None) -> Plan:
    """The plan a commit or a dry run stands on (`plan`, kept from the preview, or made now),
    refused with every row error if any row is wrong."""
    require_import_role(actor, kind)
    label = name or path.name
    if dry_run:
        plan = preview_import(actor=actor, kind=kind, path=path, name=name, mapping=mapping,
                              area=area, dry_run=True)
    elif plan is None:
        plan = plan_import(actor=actor, kind=kind, path=path, name=name, mapping=mapping,
                           area=area)
        if plan.errors:
            # Refused for its rows, the run answers what a preview would: limited and audited
            # as one, or the limit on previews could be walked around with a bad row.
            previews.guard(actor=actor, kind=kind, name=label)
            previews.record(actor=actor, plan=plan, name=label, area=area_of(plan),
                            dry_run=False)
    if plan.errors:
        raise InvalidInput(_("Nothing was imported; correct these rows."), plan.errors)
    return plan


def run_import(*, actor: Actor, kind: str, path: Path, name: str | None = None,
               mapping: dict[str, str] | None = None, area: Area | None = None,
               dry_run: bool = False,
               plan: Plan | None = None) -> tuple[Plan, ImportResult | None]:
    """Check the file (unless `plan` is its fresh plan) and, when every row is right and this is
    no dry run, commit it whole, here and now (jobs.submit_import decides where)."""
    plan = checked_plan(actor=actor, kind=kind, path=path, name=name, mapping=mapping, area=area,
                        dry_run=dry_run, plan=plan)
    if dry_run:
        return plan, None
    return plan, commit_plan(actor=actor, plan=plan, name=name or path.name)


def commit_plan(*, actor: Actor, plan: Plan, name: str) -> ImportResult:
    """Write a checked plan in one transaction, with one audit event for the file."""
    require_import_role(actor, plan.kind)
    try:
        # scoped.atomic: a row refused inside the batch stays audited when the batch rolls back.
        with scoped.atomic():
            importer = importer_for(plan.kind)
            result = importer.write(actor=actor, plan=plan)
            audit.record(actor=actor, action="create",
                         object_type=importer.audit_as or f"{plan.kind}_import",
                         area=area_of(plan),
                         detail={"file": name, "rows": len(plan.rows),
                                 "created": result.created, "updated": result.updated,
                                 "unchanged": result.unchanged})
    except IntegrityError:
        # Someone wrote a record with one of the file's external ids between the checks and
        # the commit (a second import of the same file, say): the batch rolled back whole.
        raise InvalidInput(_("Nothing was imported: records with these external ids were "
                             "written meanwhile. Import the file again; it will find them.")) \
            from None
    return result
