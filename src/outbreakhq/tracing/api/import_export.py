"""API for line-list import and list export: the same checks, scope and audit as the pages.

An import answers 200 with the counts, or 400 with every row-level error ({row, field, message})
and nothing written; `dry_run` checks without writing. A file above the background size
(interop/jobs.py, the same rule as the page and the CLI) answers 202 with a token whose outcome
GET /imports/jobs/{token} reads. An export streams the file when small (exporting.IN_REQUEST_UP_TO),
else answers 202 with the name of the file the task worker writes: GET /exports/jobs/{name} says
how far it is, GET /exports/files/{name} downloads it when done.
"""

from __future__ import annotations

import json
import re

from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status, UploadedFile

from outbreakhq.core.actor import actor_of
from outbreakhq.core.api_errors import ErrorOut
from outbreakhq.core.errors import InvalidInput, NotFound
from outbreakhq.core.models import Area
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can
from outbreakhq.interop import uploads
from outbreakhq.interop.errorfile import error_values
from outbreakhq.interop.fields import mapping_from_data
from outbreakhq.interop.jobs import status_of, submit_import
from outbreakhq.interop.mappings import resolve_mapping
from outbreakhq.interop.pipeline import require_import_role, run_import
from outbreakhq.interop.registry import kinds
from outbreakhq.tracing import exporting, exporting_jobs
from outbreakhq.tracing.views.import_export import export_response

imports_router = Router(tags=["import and export"])


class ImportOut(Schema):
    rows: int
    created: int
    updated: int
    unchanged: int
    people_registered: int = 0
    people_matched: int = 0
    dry_run: bool = False
    held: int = 0  # `partial`: right rows not written (they need a refused row)
    refused: int = 0  # `partial`: rows with an error, not written
    errors: list[dict] = []  # `partial`: every refused row's errors, {row, field, message, value}
    error_count: int = 0


class ImportQueued(Schema):
    token: str
    rows: int


class ImportStatus(Schema):
    status: str  # queued, done or failed
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    held: int = 0
    refused: int = 0
    message: str = ""
    errors: list[dict] = []
    error_count: int = 0


_TOKEN = re.compile(r"^[0-9a-f]{32}\.(csv|xlsx)$")


class ExportQueued(Schema):
    name: str
    rows: int
    status_url: str  # GET it until `status` is done, then fetch its `download_url`


class ExportStatus(Schema):
    name: str
    status: str  # queued, running, done or failed
    rows: int
    written: int  # rows written so far
    format: str
    download_url: str  # when done


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


@imports_router.post("/imports/{kind}",
                     response={200: ImportOut, 202: ImportQueued, 429: ErrorOut})
def import_line_list(request, kind: str, file: File[UploadedFile], mapping: Form[str] = "",
                     area: Form[str] = "", dry_run: Form[bool] = False,
                     partial: Form[bool] = False):
    """Import cases, contacts or links from a CSV or XLSX file, all or nothing (or, with
    `partial`, the rows that pass, the others refused and listed)."""
    if kind not in kinds():
        raise NotFound(_("Unknown kind of import %(kind)r: use cases, contacts or links.")
                       % {"kind": kind})
    actor = actor_of(request)
    require_import_role(actor, kind)
    columns = _mapping(request, kind, mapping)
    path = uploads.store_upload(request.user, file.name or "", file.chunks())
    try:
        if dry_run:
            plan, _result = run_import(actor=actor, kind=kind, path=path, name=file.name,
                                       mapping=columns, area=_area(area), dry_run=True)
            uploads.forget(path)
            return {"rows": len(plan.rows), "created": plan.counts["create"],
                    "updated": plan.counts["update"], "unchanged": plan.counts["unchanged"],
                    "dry_run": True}
        done = submit_import(actor=actor, kind=kind, path=path, name=file.name,
                             mapping=columns, area=_area(area), partial=partial)
    except Exception:
        uploads.forget(path)
        raise
    if done.queued:
        return Status(202, {"token": path.name, "rows": len(done.plan.rows)})
    result = done.result
    return {"rows": len(done.plan.rows), "created": result.created, "updated": result.updated,
            "unchanged": result.unchanged, "people_registered": result.people_registered,
            "people_matched": result.people_matched, "held": result.held,
            "refused": result.refused, "error_count": len(result.errors),
            "errors": [e.as_dict() | {"value": value}
                       for e, value in error_values(done.plan, result.errors)]}


@imports_router.get("/imports/jobs/{token}", response=ImportStatus)
def import_status(request, token: str):
    """The outcome of one of your imports the task worker commits (202 gave its token)."""
    # The token names a file in the caller's own folder only: another user's is not found.
    outcome = status_of(uploads.upload_dir(request.user) / token) \
        if _TOKEN.match(token) else None
    if outcome is None:
        raise NotFound(_("This upload has expired; upload the file again."))
    return outcome


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
    planned = exporting.plan_export(actor=actor_of(request), kind=kind, fmt=format,
                                   within=within, filters=filters, pseudonymised=pseudonymised)
    count = planned.count
    if planned.in_background:
        # The task writes the audit event as it reads the rows (exporting_jobs.write_export).
        name = exporting_jobs.queue_export(planned)
        return Status(202, {"name": name, "rows": count,
                            "status_url": f"/api/v1/exports/jobs/{name}"})
    planned.record()
    return export_response(planned.export, format, f"{planned.export.layout}.{format}")


def _may_export(request, name: str) -> None:
    need = (Can.EXPORT_PSEUDONYMS if exporting_jobs.is_pseudonymised(name)
            else Can.EXPORT_PERSON)
    if not can(actor_of(request), need):
        raise NotFound(_("No export named %(name)s.") % {"name": name})


@imports_router.get("/exports/jobs/{name}", response=ExportStatus)
def export_status(request, name: str):
    """One of your background exports: queued, running (with the rows written so far), done
    (download it from `download_url`) or failed. Nobody else's: theirs are 404."""
    _may_export(request, name)
    item = exporting_jobs.export_status(request.user, name)
    return {"name": item.name, "status": item.status, "rows": item.rows or 0,
            "written": item.written, "format": item.format,
            "download_url": f"/api/v1/exports/files/{item.name}" if item.status == "done"
            else ""}


@imports_router.get("/exports/files/{name}")
def export_download(request, name: str):
    """The file of one of your finished background exports (404 until it is done)."""
    _may_export(request, name)
    path = exporting_jobs.export_file(request.user, name)
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)
