"""The area tree's importer (core's Area): the same pipeline as the apps' files, so an area file
is read as CSV or XLSX, previewed with every row error, and committed all or nothing.

Core's own rules do the work (core/areas.py: parse_rows, check_rows, write_rows); this module
only declares them to the pipeline. It lives in interop, not in core, because core imports no
app and nothing of interop: interop may import core, so the dependency points one way.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from outbreakhq.core import areas
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput
from outbreakhq.core.roles import Can
from outbreakhq.interop.fields import Field
from outbreakhq.interop.pipeline import ImportResult
from outbreakhq.interop.registry import Checked, Importer, register

COLUMNS = areas.REQUIRED + areas.OPTIONAL


def _check(*, actor: Actor, rows, columns, area) -> Checked:
    """Every row through core's parsing and checks; a refusal names the rows, as in core."""
    raw = [(row.number, {key: str(row.values.get(key) or "") for key in COLUMNS})
           for row in rows]
    try:
        parsed = areas.parse_rows(raw)
        _ordered, existing = areas.check_rows(actor=actor, rows=parsed)
    except InvalidInput as exc:
        return Checked(list(exc.errors))
    by_number = {p.row: p for p in parsed}
    for row in rows:
        row.refs["area_row"] = by_number[row.number]
        row.action = areas.action_of(by_number[row.number], existing)
        if row.values.get("parent_code") in existing:
            row.refs["area"] = existing[row.values["parent_code"]]  # where the audit goes
    return Checked()


def _write(*, actor: Actor, plan):
    ordered, existing = areas.check_rows(actor=actor,
                                         rows=[r.refs["area_row"] for r in plan.rows])
    done = areas.write_rows(ordered, existing)
    return ImportResult(done.created, done.updated, done.unchanged)


AREAS = Importer(
    kind="areas", label=gettext_lazy("Areas"), capability=Can.MANAGE_AREAS,
    fields=tuple(Field(key, key, key in areas.REQUIRED) for key in COLUMNS),
    check=_check, write=_write, limits=areas.MAX_LENGTHS, audit_as="area_import",
    # A new tree has no area to hold area.manage over: the operator's superuser creates it.
    allows=areas.is_global_admin)


def register_importer() -> None:
    register(AREAS)
