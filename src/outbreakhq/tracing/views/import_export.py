"""Pages for importing line lists (upload, map columns, preview with every error, confirm) and
exporting filtered case and contact lists (written in the request when small, else by the task
worker, with a page that shows the progress: exporting.IN_REQUEST_UP_TO)."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from outbreakhq.core.actor import actor_of
from outbreakhq.core.errors import FieldError, InvalidInput, NotFound
from outbreakhq.core.models import Area
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can, scope_areas
from outbreakhq.core.views import require_capability
from outbreakhq.interop import uploads
from outbreakhq.interop.errorfile import csv_text, errors_file
from outbreakhq.interop.fields import IGNORE, as_mapping, guess_mapping, mapping_from_data
from outbreakhq.interop.jobs import note_of, status_of, submit_import
from outbreakhq.interop.mappings import mappings_for, save_mapping
from outbreakhq.interop.pipeline import preview_import
from outbreakhq.interop.read import open_table
from outbreakhq.interop.registry import importer_for, kinds
from outbreakhq.tracing import exporting, exporting_jobs

SESSION = "outbreakhq_imports"
_upload_dir = uploads.upload_dir


def _pending(request, token: str) -> dict:
    """The user's uploaded file awaiting confirmation (kept in their session, by token)."""
    pending = request.session.get(SESSION, {}).get(token)
    path = _upload_dir(request.user) / pending["stored"] if pending else None
    if path is None or not (path.is_file() or note_of(path).is_file()):
        raise NotFound(_("This upload has expired; upload the file again."))
    return pending


def _remember(request, token: str, pending: dict) -> None:
    uploads = request.session.get(SESSION, {})
    uploads[token] = pending
    request.session[SESSION] = uploads


@login_required
def import_start(request):
    """Upload a file, say what it holds and, optionally, which saved mapping fits it."""
    require_capability(request, Can.MANAGE_CASE)
    errors = None
    if request.method == "POST":
        upload, kind = request.FILES.get("file"), request.POST.get("kind", "")
        try:
            if upload is None or kind not in kinds():
                raise InvalidInput(_("Choose what the file holds and the file to import."))
            path = uploads.store_upload(request.user, upload.name, upload.chunks())
            token = path.stem
            saved = mappings_for(actor_of(request), kind).filter(
                pk=request.POST.get("mapping") or 0).first()
            _remember(request, token, {"stored": path.name, "name": upload.name,
                                       "kind": kind,
                                       "mapping": dict(saved.mapping) if saved else None})
            return redirect("import_review", token=token)
        except InvalidInput as exc:
            errors = exc
    return render(request, "tracing/import.html", {
        "errors": errors, "kinds": kinds(), "mappings": mappings_for(actor_of(request)),
        "refused_token": _refused_token(request)})


def _refused_token(request) -> str | None:
    """The upload whose partial import left an error file to download, if it is still there."""
    token = request.session.get("outbreakhq_import_errors")
    pending = request.session.get(SESSION, {}).get(token) if token else None
    if pending and errors_file(_upload_dir(request.user) / pending["stored"]).is_file():
        return token
    return None


@login_required
def import_review(request, token: str):
    """The file's columns and their fields, the first rows as they will be stored, and every
    error. Posting changes the mapping, saves it by name, or confirms the import."""
    require_capability(request, Can.MANAGE_CASE)
    pending = _pending(request, token)
    path = _upload_dir(request.user) / pending["stored"]
    background = status_of(path)
    if background is not None:
        return render(request, "tracing/import_background.html", {
            "token": token, "pending": pending, "outcome": background})
    kind = pending["kind"]
    with open_table(path, name=pending["name"]) as table:
        header = table.header
    mapping = pending["mapping"] or guess_mapping(kind, header)
    plan, problem = None, None
    if request.method == "POST":
        try:
            mapping = _posted_mapping(request.POST, header) or mapping
        except InvalidInput as exc:
            problem = exc
        else:
            pending["mapping"] = mapping
            _remember(request, token, pending)
            done = _act(request, token, pending, path, mapping)
            if done is not None:
                return done
    try:
        actor = actor_of(request)
        plan = preview_import(actor=actor, kind=kind, path=path, name=pending["name"],
                              mapping=mapping, area=request.scope_area)
        uploads.keep_plan(path, plan, actor=actor, mapping=mapping, area=request.scope_area)
    except InvalidInput as exc:
        problem = problem or exc
    fields = importer_for(kind).fields
    shown = [f for f in fields if plan and f.key in plan.columns]
    wrong = plan.refused_rows if plan else set()
    parsed = as_mapping(mapping)
    return render(request, "tracing/import_review.html", {
        "token": token, "pending": pending, "plan": plan, "problem": problem,
        "columns": [(i, c, *_targets(parsed, c)) for i, c in enumerate(header)],
        "constants_text": "\n".join(f"{k} = {v}" for k, v in parsed.constants.items()),
        "values_text": "\n".join(f"{k}: {word} = {ours}" for k, table in parsed.values.items()
                                 for word, ours in table.items()),
        "passing": len(plan.rows) - len(wrong) if plan else 0,
        "fields": fields, "preview_fields": shown,
        "preview": [(row, row.number in wrong, [_shown(row.values.get(f.key)) for f in shown])
                    for row in plan.preview] if plan else [],
    })


def _targets(mapping, column: str) -> tuple[str | None, str]:
    """A column's field (None: not mapped yet) and the second field it also feeds ("")."""
    keys = mapping.fields_of(column)
    if keys is None:
        return None, ""
    return (keys[0] if keys else IGNORE), (keys[1] if len(keys) > 1 else "")


def _lines(text: str, what: str) -> list[tuple[int, str, str]]:
    """`left = right` lines of a text box (blank lines skipped), or InvalidInput naming one."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        left, sep, right = line.partition("=")
        if not sep or not left.strip():
            raise InvalidInput(_("The mapping was not applied."), [FieldError(
                what, _("line %(n)d: write it as %(form)s") % {
                    "n": number, "form": "field = value" if what == "constants"
                    else "field: word = value"})])
        found.append((number, left.strip(), right.strip()))
    return found


def _posted_mapping(post, header: list[str]) -> dict:
    """The page's mapping: one field per column (and a second one it also feeds), constants
    (`field = value` a line) and recoded words (`field: word = value` a line)."""
    columns = {}
    for i, column in enumerate(header):
        # "?" is the unanswered choice: the column stays unmapped, reported as unknown.
        first = post.get(f"column_{i}", "?")
        if first == "?":
            continue
        also = post.get(f"column_{i}_also", "")
        columns[column] = [first, also] if first and also and also != first else first
    constants = {key: value for _n, key, value in _lines(post.get("constants", ""), "constants")}
    values: dict[str, dict[str, str]] = {}
    for number, left, ours in _lines(post.get("values", ""), "values"):
        key, sep, word = left.partition(":")
        if not sep or not key.strip() or not word.strip():
            raise InvalidInput(_("The mapping was not applied."), [FieldError(
                "values", _("line %(n)d: write it as %(form)s") % {
                    "n": number, "form": "field: word = value"})])
        values.setdefault(key.strip(), {})[word.strip()] = ours
    if not columns:
        return {}
    return mapping_from_data({"columns": columns, "constants": constants, "values": values})[1]


def _shown(value: object) -> str:
    """Preview cells as stored: dates in ISO form whatever the page's language."""
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def _act(request, token: str, pending: dict, path: Path, mapping: dict):
    """Save the mapping or run the import, as the pressed button asks."""
    try:
        if "save_mapping" in request.POST:
            # Saved in the current scope, or the user's own area: shared with those below it.
            mine = scope_areas(actor_of(request), importer_for(pending["kind"]).capability)
            area = request.scope_area or mine[0]
            save_mapping(actor=actor_of(request), name=request.POST.get("mapping_name", ""),
                         kind=pending["kind"], mapping=mapping, area=area)
            messages.success(request, _("Mapping saved."))
        elif "confirm" in request.POST:
            partial = request.POST.get("partial") == "1"
            done = submit_import(actor=actor_of(request), kind=pending["kind"], path=path,
                                 name=pending["name"], mapping=mapping,
                                 area=request.scope_area, partial=partial)
            if done.queued:
                return redirect("import_review", token=token)
            result = done.result
            messages.success(request, _(
                "Imported %(name)s: %(c)d created, %(u)d updated, %(n)d unchanged, %(h)d held, "
                "%(r)d refused.") % {
                "name": pending["name"], "c": result.created, "u": result.updated,
                "n": result.unchanged, "h": result.held, "r": result.refused})
            if result.errors:
                errors_file(path).write_text(csv_text(done.plan, result.errors),
                                             encoding="utf-8")
                request.session["outbreakhq_import_errors"] = token
            return redirect("import")
    except InvalidInput as exc:
        messages.error(request, str(exc.message))
    return None


def wants_pseudonyms(value: object) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "on", "yes")


def _export_area(request) -> Area | None:
    """`area=` names the area to export; plan_export refuses one outside the user's scope
    (it is never silently replaced by the user's own). Without it: the scope in the header."""
    code = request.GET.get("area", "").strip()
    if not code:
        return request.scope_area
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise NotFound(_("No area with code %(code)s.") % {"code": code})
    return area


def export_response(export: exporting.Export, fmt: str, name: str):
    """The file as a download: CSV streamed line by line; XLSX (a zip finished only at its
    end) written by openpyxl's write-only workbook to a temporary file, then streamed."""
    if fmt == "csv":
        response = StreamingHttpResponse(exporting.csv_lines(export.layout, export.tuples()),
                                         content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    spool = tempfile.TemporaryFile()
    exporting.write_xlsx(export.layout, export.tuples(), spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=name)


@login_required
def export(request, kind: str):
    """The filtered list (the list page's query string) as CSV or XLSX; `pseudonymised=1` for
    the analysts' layout (tracing/pseudonyms.py)."""
    fmt = request.GET.get("format", "csv")
    pseudonymised = wants_pseudonyms(request.GET.get("pseudonymised"))
    within = _export_area(request)
    planned = exporting.plan_export(actor=actor_of(request), kind=kind, fmt=fmt, within=within,
                                   filters=request.GET, pseudonymised=pseudonymised)
    count = planned.count
    if planned.in_background:
        # The task writes the audit event as it reads the rows (exporting_jobs.write_export).
        name = exporting_jobs.queue_export(planned)
        messages.info(request, _("%(n)d rows: the file is being written in the background; "
                                 "this page shows its progress and offers it when ready.")
                      % {"n": count})
        return redirect(f"{reverse('exports')}?new={name}")
    planned.record()
    export = planned.export
    return export_response(export, fmt, f"{export.layout}-{timezone.localdate().isoformat()}"
                                         f".{fmt}")


def _may_export_something(request) -> None:
    if not can(actor_of(request), Can.EXPORT_PSEUDONYMS):
        require_capability(request, Can.EXPORT_PERSON)


@login_required
def exports(request):
    """The user's own background exports, and the pseudonymised exports for those who may."""
    _may_export_something(request)
    files = exporting_jobs.list_exports(request.user)
    return render(request, "tracing/exports.html",
                  {"exports": files, "keep_days": exporting_jobs.KEEP_DAYS,
                   "new": request.GET.get("new", ""),
                   # While a file is being written the list asks again every 2 s (htmx).
                   "pending": any(item.status in ("queued", "running") for item in files),
                   "pseudonyms": can(actor_of(request), Can.EXPORT_PSEUDONYMS)})


@login_required
@require_POST
def export_delete(request, name: str):
    exporting_jobs.delete_export(request.user, name)
    messages.success(request, _("Export deleted."))
    return redirect("exports")


@login_required
def export_download(request, name: str):
    require_capability(request, Can.EXPORT_PSEUDONYMS if exporting_jobs.is_pseudonymised(name)
                       else Can.EXPORT_PERSON)
    path = exporting_jobs.export_file(request.user, name)
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)


@login_required
def import_errors(request, token: str):
    """The refused rows of an upload as CSV (row, column, value, reason): those of the partial
    import just made, else those of the file's preview (the plan kept with the upload)."""
    require_capability(request, Can.MANAGE_CASE)
    pending = request.session.get(SESSION, {}).get(token)
    if pending is None:
        raise NotFound(_("This upload has expired; upload the file again."))
    path = _upload_dir(request.user) / pending["stored"]
    written = errors_file(path)
    if written.is_file():
        text = written.read_text(encoding="utf-8")
    else:
        pending = _pending(request, token)
        actor = actor_of(request)
        plan = uploads.kept_plan(path, actor=actor, kind=pending["kind"],
                                 mapping=pending["mapping"], area=request.scope_area)
        if plan is None:
            plan = preview_import(actor=actor, kind=pending["kind"], path=path,
                                  name=pending["name"], mapping=pending["mapping"],
                                  area=request.scope_area)
        text = csv_text(plan, plan.errors)
    stem = Path(pending["name"]).stem
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{stem}-errors.csv"'
    return response


@login_required
@require_POST
def import_forget(request, token: str):
    """Drop an uploaded file without importing it."""
    pending = request.session.get(SESSION, {}).pop(token, None)
    if pending:
        path = _upload_dir(request.user) / pending["stored"]
        if (status_of(path) or {}).get("status") != "queued":  # the worker still needs it
            uploads.forget(path)
        request.session.modified = True
    return redirect("import")
