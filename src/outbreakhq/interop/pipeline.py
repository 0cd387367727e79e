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

import time
from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError, connection
from django.utils import timezone
from django.utils.translation import gettext as _

from outbreakhq.core import audit, bulk, scoped
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import FieldError, InvalidInput, NotPermitted
from outbreakhq.core.models import Area, Assignment
from outbreakhq.core.scope import can
from outbreakhq.core.scoped import refused, require_role
from outbreakhq.interop import previews
from outbreakhq.interop.fields import as_mapping, check_header, guess_mapping
from outbreakhq.interop.read import open_table, read_rows
from outbreakhq.interop.registry import importer_for
from outbreakhq.interop.rows import Row, RowParser, missing_required, stray_cells

PREVIEW_ROWS = 20


@dataclass
class Plan:
    """A checked file: rows with their action, and every error. Nothing is written yet."""

    kind: str
    rows: list[Row]
    errors: list[FieldError]
    columns: dict[str, str]  # field key -> the file's column
    tenant_id: int | None
    counts: dict[str, int] = field(default_factory=dict)
    header: list[str] = field(default_factory=list)  # as read: the error file's values
    # What earlier batches of this file wrote, for the later ones (the importer's writer keeps
    # it: tracing's, the cases and contacts it created by external id). Shared by `keeping`.
    carried: dict = field(default_factory=dict)

    @property
    def refused_rows(self) -> set[int]:
        return {e.row for e in self.errors if e.row}

    def keeping(self, rows: list[Row]) -> Plan:
        """The same plan for these rows only (a partial commit's), with no errors."""
        kept = Plan(self.kind, rows, [], self.columns, self.tenant_id, header=self.header)
        if not hasattr(self, "carried"):  # a plan kept before it had one
            self.carried = {}
        kept.carried = self.carried
        kept.counts = _counts(rows)
        return kept

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
    held: int = 0  # right rows not written: a partial run's rows that need a refused one
    refused: int = 0  # rows with an error, not written
    errors: tuple[FieldError, ...] = ()  # a partial run's refusals, every one

    def with_refusals(self, *, held: int, refused: int, errors: list[FieldError]) -> ImportResult:
        return ImportResult(self.created, self.updated, self.unchanged, self.people_registered,
                            self.people_matched, held, refused, tuple(errors))


class RowsRefused(InvalidInput):
    """A run refused for its rows, nothing written: carries the plan (for the error file and
    the totals: every right row is held)."""

    def __init__(self, message, errors, plan: Plan):
        super().__init__(message, errors)
        self.plan = plan


def _counts(rows: list[Row]) -> dict[str, int]:
    return {action: sum(r.action == action for r in rows)
            for action in ("create", "update", "unchanged")}


def plan_import(*, actor: Actor, kind: str, path: Path, name: str | None = None,
                mapping: dict[str, str] | None = None, area: Area | None = None) -> Plan:
    """Read and check a file. File-level problems (header, encoding, size) raise InvalidInput;
    row-level problems are collected in `Plan.errors`, all of them, sorted by row."""
    importer = importer_for(kind)
    with open_table(path, name=name) as table:
        mapping = as_mapping(guess_mapping(kind, table.header) if mapping is None else mapping)
        index = check_header(kind, table.header, mapping)
        columns = {key: table.header[i] for key, i in index.items()}
        # A constant's errors name it as the mapping does: "constants.classification".
        columns |= {key: f"constants.{key}" for key in mapping.constants}
        parser = RowParser(importer, index, columns, today=timezone.localdate(),
                           constants=mapping.constants, recode=mapping.values)
        header = list(table.header)
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
    # Every error, however many: the total and the error file need them all.
    plan = Plan(kind, rows, errors, columns, checked.tenant_id, header=header)
    plan.counts = _counts(rows)
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
    if not can(actor, importer.capability) and not Assignment.objects.filter(
            user_id=actor.user_id).exists():
        # A new account (a superuser made with createsuperuser, say) holds no role at all:
        # say so, rather than refusing the file's rows one by one.
        refused(actor, importer.capability, what=f"{kind}_import", reason="no role")
        raise NotPermitted(_("Your account holds no role, so it may import nothing. An "
                             "administrator grants one: outbreakhq role grant USER ROLE AREA "
                             "(docs/operations.md)."))
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
                 dry_run: bool = False, plan: Plan | None = None, partial: bool = False) -> Plan:
    """The plan a commit or a dry run stands on (`plan`, kept from the preview, or made now),
    refused with every row error if any row is wrong (unless `partial`: then the commit writes
    the rows that pass)."""
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
    if plan.errors and not (partial and not dry_run):
        raise RowsRefused(_("Nothing was imported; correct these rows (%(n)d errors in "
                            "%(rows)d rows).") % {"n": len(plan.errors),
                                                  "rows": len(plan.refused_rows)},
                          plan.errors, plan)
    return plan


def run_import(*, actor: Actor, kind: str, path: Path, name: str | None = None,
               mapping: dict[str, str] | None = None, area: Area | None = None,
               dry_run: bool = False, plan: Plan | None = None,
               partial: bool = False) -> tuple[Plan, ImportResult | None]:
    """Check the file (unless `plan` is its fresh plan) and, when every row is right and this is
    no dry run, commit it whole, here and now (jobs.submit_import decides where). `partial`:
    commit the rows that pass and refuse the others."""
    plan = checked_plan(actor=actor, kind=kind, path=path, name=name, mapping=mapping, area=area,
                        dry_run=dry_run, plan=plan, partial=partial)
    if dry_run:
        return plan, None
    return plan, commit_plan(actor=actor, plan=plan, name=name or path.name, partial=partial)


BATCH_ROWS = 1000  # rows a transaction writes on SQLite (under a second of its write lock)
# Between two batches on SQLite: longer than the longest sleep of SQLite's busy handler
# (100 ms), so that a write waiting for the lock gets it before the next batch takes it again.
BATCH_PAUSE = 0.15  # seconds


def commit_plan(*, actor: Actor, plan: Plan, name: str, partial: bool = False) -> ImportResult:
    """Write a checked plan, with one audit event for each transaction.

    On PostgreSQL (and for a file of at most BATCH_ROWS rows, or a kind that does not batch)
    in one transaction. On SQLite, whose one writer at a time would otherwise hold every other
    write for the whole file ("database is locked" after 20 s, issue 15), in batches of
    BATCH_ROWS rows, each its own short transaction: the plan has checked every row before
    anything is written (without `partial`, a file with one wrong row writes nothing); the
    importer's `batches` orders them so that each refers only to records stored before or
    written by an earlier batch (the writer carries those across: `Plan.carried`). A batch that
    the writer refuses (someone changed a record since the plan) stops the run, the earlier
    batches stay written, and a second run resumes: rows are matched by external id, so every
    row lands once.

    `partial`: the rows with an error are refused, the rows that need one of them (the
    importer's `needs`) are held, and the rest is written; a row the writer itself refuses (a
    record changed by someone else since the plan) is refused too and the rest written again."""
    require_import_role(actor, plan.kind)
    importer = importer_for(plan.kind)
    errors = list(plan.errors)
    if plan.errors and not partial:
        raise RowsRefused(_("Nothing was imported; correct these rows."), errors, plan)
    plan.carried = {}  # nothing written yet by this run
    refused = plan.refused_rows
    held = _held(importer, plan.rows, [r for r in plan.rows if r.number not in refused],
                 refused)
    out = refused | held  # once, not once a row
    rows = [r for r in plan.rows if r.number not in out]
    batches = _batches(importer, rows)
    results: list[ImportResult] = []
    for index, batch in enumerate(batches):
        if index and not connection.in_atomic_block:  # (inside a caller's transaction, no one
            time.sleep(BATCH_PAUSE)                   # could write between batches anyway)
        kept = plan if len(batches) == 1 and not (refused or held) else plan.keeping(batch)
        result, wrote_held = _commit_refusing(actor, importer, plan, kept, name, partial,
                                              errors, refused, held,
                                              batch=(index + 1, len(batches)))
        held |= wrote_held
        results.append(result)
    errors.sort(key=lambda e: (e.row or 0, e.field))
    total = ImportResult(*(sum(getattr(r, f) for r in results) for f in (
        "created", "updated", "unchanged", "people_registered", "people_matched")))
    return total.with_refusals(held=len(held), refused=len(refused), errors=errors)


def _batches(importer, rows: list[Row]) -> list[list[Row]]:
    if connection.vendor != "sqlite" or importer.batches is None or len(rows) <= BATCH_ROWS:
        return [rows]
    return importer.batches(rows, BATCH_ROWS)


def _commit_refusing(actor: Actor, importer, plan: Plan, kept: Plan, name: str, partial: bool,
                     errors: list, refused: set[int], held: set[int],
                     batch: tuple[int, int]) -> tuple[ImportResult, set[int]]:
    """One transaction's commit; with `partial`, a row the writer refuses is refused and the
    rest of the batch written again. `errors` and `refused` grow with such rows; returns the
    result and the rows held back because they need one of them."""
    more_held: set[int] = set()
    while True:
        out = refused | held | more_held
        rows = [r for r in kept.rows if r.number not in out]
        more_held |= _held(importer, plan.rows, rows, out)
        rows = [r for r in rows if r.number not in more_held]
        this = kept if len(rows) == len(kept.rows) else plan.keeping(rows)
        carried = {key: dict(value) for key, value in kept.carried.items()}
        try:
            return _commit(actor, importer, this, name, held=len(held | more_held),
                           refused=len(refused), batch=batch), more_held
        except InvalidInput as exc:
            kept.carried.clear()  # what the rolled-back attempt wrote is not there
            kept.carried.update(carried)
            wrong = {e.row for e in exc.errors if e.row} - refused
            if batch[0] > 1 and not partial:
                raise InvalidInput(_(
                    "Stopped at batch %(batch)d of %(batches)d: %(message)s The earlier "
                    "batches are imported; import the file again to add the rest.") % {
                    "batch": batch[0], "batches": batch[1], "message": exc.message},
                    exc.errors) from None
            if not partial or not wrong:
                raise
            errors += exc.errors
            refused |= wrong


def _held(importer, every: list[Row], rows: list[Row], out: set[int]) -> set[int]:
    """Rows that need a row that is not written (a contact of a refused close contact)."""
    if importer.needs is None or not out:
        return set()
    held: set[int] = set()
    while True:
        more = {r.number for r in importer.needs(every, [r for r in rows if r.number not in held],
                                                 out | held)} - held
        if not more:
            return held
        held |= more


def _commit(actor: Actor, importer, plan: Plan, name: str, *, held: int,
            refused: int, batch: tuple[int, int] = (1, 1)) -> ImportResult:
    try:
        # scoped.atomic: a row refused inside the batch stays audited when the batch rolls back.
        with scoped.atomic(), bulk.collector_paused():
            result = importer.write(actor=actor, plan=plan)
            detail = {"file": name, "rows": len(plan.rows), "created": result.created,
                      "updated": result.updated, "unchanged": result.unchanged}
            if held or refused:
                detail |= {"held": held, "refused": refused}
            if batch[1] > 1:
                detail |= {"batch": batch[0], "batches": batch[1]}
            audit.record(actor=actor, action="create",
                         object_type=importer.audit_as or f"{plan.kind}_import",
                         area=area_of(plan), detail=detail)
    except IntegrityError:
        # Someone wrote a record with one of the file's external ids between the checks and
        # the commit (a second import of the same file, say): the batch rolled back whole.
        raise InvalidInput(_("Nothing was imported: records with these external ids were "
                             "written meanwhile. Import the file again; it will find them.")) \
            from None
    return result
