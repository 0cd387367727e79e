"""API for line-list import and list export: the same checks, scope and audit as the pages.

An import answers 200 with the counts, or 400 with every row-level error ({row, field, message})
and nothing written; `dry_run` checks without writing. An export streams the file, or answers 202
with the name of the file the task worker writes (above 50,000 rows), downloaded from /exports/.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status, UploadedFile

from outbreakhq.core.actor import actor_of
from outbreakhq.core.api_errors import ErrorOut
from outbreakhq.core.errors import InvalidInput, NotFound
from outbreakhq.core.models import Area
from outbreakhq.core.scoped import require_role
from outbreakhq.tracing import exporting, exporting_jobs
from outbreakhq.tracing.importing import run_import
from outbreakhq.tracing.importing_fields import KIND_CAPABILITY, KINDS, mapping_from_data
from outbreakhq.tracing.importing_mappings import resolve_mapping
from outbreakhq.tracing.importing_read import file_format
from outbreakhq.tracing.views_io import export_response

imports_router = Router(tags=["import and export"])


class ImportOut(Schema):
    rows: int
    created: int
    updated: int
    unchanged: int
    people_registered: int = 0
    people_matched: int = 0
    dry_run: bool = False


class ExportQueued(Schema):
    name: str
    rows: int


def _area(code: str) -> Area | None:
    if not code:
        return None
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise NotFound(_("No area with code %(code)s.") % {"code": code})
    return area


def _mapping(request, kind: str, text: str) -> dict[str, str] | None:
    """A JSON mapping object, or the name of a saved mapping; empty: guess from the header."""
    text = text.strip()
    if not text:
        return None
    if text.startswith("{"):
        try:
            return mapping_from_data(json.loads(text))[1]
        except ValueError:
            raise InvalidInput(_("The mapping is not valid JSON.")) from None
    return resolve_mapping(actor_of(request), kind, text)


@imports_router.post("/imports/{kind}", response={200: ImportOut, 429: ErrorOut})
def import_line_list(request, kind: str, file: File[UploadedFile], mapping: Form[str] = "",
                     area: Form[str] = "", dry_run: Form[bool] = False):
    """Import cases, contacts or links from a CSV or XLSX file, all or nothing."""
    if kind not in KINDS:
        raise NotFound(_("Unknown kind of import %(kind)r: use cases, contacts or links.")
                       % {"kind": kind})
    require_role(actor_of(request), KIND_CAPABILITY[kind], what=f"{kind}_import")
    columns = _mapping(request, kind, mapping)
    suffix = "." + file_format(file.name or "")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("upload" + suffix)
        with path.open("wb") as out:
            for chunk in file.chunks():
                out.write(chunk)
        plan, result = run_import(actor=actor_of(request), kind=kind, path=path, name=file.name,
                                  mapping=columns, area=_area(area), dry_run=dry_run)
    if result is None:
        return {"rows": len(plan.rows), "created": plan.counts["create"],
                "updated": plan.counts["update"], "unchanged": plan.counts["unchanged"],
                "dry_run": True}
    return {"rows": len(plan.rows), "created": result.created, "updated": result.updated,
            "unchanged": result.unchanged, "people_registered": result.people_registered,
            "people_matched": result.people_matched}


@imports_router.get("/exports/{kind}", response={202: ExportQueued})
def export_list(request, kind: str, format: str = "csv", area: str = "", q: str = "",
                classification: str = "", route: str = "", status: str = "",
                category: str = "", from_date: str = "", to_date: str = "",
                no_source: bool = False, pseudonymised: bool = False):
    """The filtered case or contact list you may export, as CSV or XLSX (one audit event);
    `pseudonymised=true`: no names, documents or phones, pseudonyms instead of numbers."""
    filters = {"q": q, "classification": classification, "route": route, "status": status,
               "category": category, "from": from_date, "to": to_date,
               "no_source": "1" if no_source else ""}
    filters = {k: v for k, v in filters.items() if v}
    within = _area(area)
    export, count = exporting.start_export(actor=actor_of(request), kind=kind, fmt=format,
                                           within=within, filters=filters,
                                           pseudonymised=pseudonymised)
    if count > exporting.BACKGROUND_ABOVE:
        name = exporting_jobs.queue_export(
            actor=actor_of(request), kind=kind, fmt=format, within=within,
            filters=exporting.applied_filters(kind, filters), rows=count,
            pseudonymised=pseudonymised)
        return Status(202, {"name": name, "rows": count})
    return export_response(export, format, f"{export.layout}.{format}")
