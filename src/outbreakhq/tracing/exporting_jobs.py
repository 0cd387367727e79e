"""Large exports in the background: a task writes the file under OUTBREAKHQ_DATA_DIR/exports/,
in a folder of its owner's, and the owner downloads it from the Exports page.

The task runs in `outbreakhq db_worker` (django-tasks-db's database-backed worker, which
`outbreakhq serve` starts), so no export above exporting.IN_REQUEST_UP_TO rows holds a web
worker. Each file has a `.json` note beside it (what, filters, rows, status, and the rows
written so far while `running`, for the progress the Exports page shows); the file is written
as `.part` and renamed when complete, so a half-written export is never offered for download.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import NotFound
from outbreakhq.core.models import Area
from outbreakhq.tracing.exporting import PlannedExport, plan_export, write_csv, write_xlsx

KEEP_DAYS = 7  # exported personal data is not left on disk longer than this
PROGRESS_EVERY = 2000  # rows between two notes of progress
_NAME = re.compile(
    r"^[0-9]{8}T[0-9]{6}-(cases|contacts)(_pseudonymised)?-[0-9a-f]{8}\.(csv|xlsx)$")


@dataclass(frozen=True)
class ExportFile:
    name: str
    kind: str  # cases, contacts, cases_pseudonymised, contacts_pseudonymised
    format: str
    rows: int | None
    status: str  # queued, running, done, failed
    created_at: str
    filters: dict
    written: int = 0  # rows written so far

    @property
    def percent(self) -> int:
        return min(100, int(100 * self.written / self.rows)) if self.rows else 0


def owner_dir(user_id: int) -> Path:
    return Path(settings.DATA_DIR) / "exports" / str(int(user_id))


def _note(path: Path, **values) -> None:
    """Update the export's note; written aside and renamed, so a reader never sees half of it."""
    note = path.with_suffix(".json")
    current = json.loads(note.read_text()) if note.exists() else {}
    fresh = note.with_name(note.name + ".new")
    fresh.write_text(json.dumps(current | values, ensure_ascii=False))
    os.replace(fresh, note)


def is_pseudonymised(name: str) -> bool:
    return "_pseudonymised-" in name


def queue_export(planned: PlannedExport) -> str:
    """Record the export as queued and hand it to the task worker; returns the file name.
    Nothing is audited here: the task writes the `export` event when it reads the rows, so
    the request only enqueues (issue 15: naming every person of a large export in the request
    took seconds under load)."""
    actor = planned.actor
    folder = owner_dir(actor.user.pk)
    folder.mkdir(parents=True, exist_ok=True)
    layout = f"{planned.kind}_pseudonymised" if planned.pseudonymised else planned.kind
    name = f"{timezone.now():%Y%m%dT%H%M%S}-{layout}-{uuid.uuid4().hex[:8]}.{planned.fmt}"
    _note(folder / name, kind=planned.kind, format=planned.fmt, rows=planned.count,
          status="queued", created_at=timezone.now().isoformat(timespec="seconds"),
          filters=dict(planned.filters), pseudonymised=planned.pseudonymised)
    write_export.enqueue(user_id=actor.user.pk, kind=planned.kind, fmt=planned.fmt, name=name,
                         area_code=planned.within.code if planned.within else "",
                         filters=dict(planned.filters), pseudonymised=planned.pseudonymised,
                         channel=actor.channel, ip=actor.ip)
    return name


@task()
def write_export(*, user_id: int, kind: str, fmt: str, name: str, area_code: str,
                 filters: dict, pseudonymised: bool = False, channel: str = "cli",
                 ip: str | None = None) -> int:
    """Write one queued export. The scope is the owner's at the time the file is written, and
    so is the `export` audit event, written here before the file (it names the people this
    task reads), from the channel and address the export was asked from."""
    user = get_user_model().objects.get(pk=user_id)
    within = Area.objects.get(code=area_code) if area_code else None
    target = owner_dir(user_id) / name
    partial = target.with_name(target.name + ".part")
    try:
        planned = plan_export(actor=Actor(user=user, channel=channel, ip=ip), kind=kind,
                              fmt=fmt, within=within, filters=filters,
                              pseudonymised=pseudonymised)
        planned.record(file=name)
        _note(target, status="running", written=0)
        count = (write_csv if fmt == "csv" else write_xlsx)(
            planned.export.layout, _counted(planned.export.tuples(), target), partial)
        partial.rename(target)
    except Exception as exc:
        partial.unlink(missing_ok=True)
        _note(target, status="failed", error=exc.__class__.__name__)
        raise
    _note(target, status="done", rows=count)
    return count


def _counted(rows, target: Path, every: int = PROGRESS_EVERY):
    """The rows, noting in the export's note how many were written, every `every` rows."""
    written = 0
    for written, row in enumerate(rows, 1):
        yield row
        if written % every == 0:
            _note(target, written=written)
    _note(target, written=written)


def purge_old(folder: Path, days: int) -> None:
    """Delete the folder's files older than `days` (exports, uploads and their notes)."""
    limit = time.time() - days * 86400
    for path in folder.glob("*") if folder.is_dir() else []:
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def delete_export(user, name: str) -> None:
    """Delete one of the user's exports (a failed one has only its note). The name pattern
    keeps the path inside the owner's folder."""
    if not _NAME.match(name):
        raise NotFound(_("No export named %(name)s.") % {"name": name})
    path = owner_dir(user.pk) / name
    path.unlink(missing_ok=True)
    path.with_suffix(".json").unlink(missing_ok=True)


def list_exports(user) -> list[ExportFile]:
    """The user's own exports, newest first (nobody else's: the folder is the owner's); those
    older than KEEP_DAYS are deleted on the way."""
    folder = owner_dir(user.pk)
    purge_old(folder, KEEP_DAYS)
    found = []
    for note in sorted(folder.glob("*.json"), reverse=True) if folder.is_dir() else []:
        data = json.loads(note.read_text())
        kind = data["kind"] + ("_pseudonymised" if data.get("pseudonymised") else "")
        found.append(ExportFile(note.with_suffix("." + data["format"]).name, kind,
                                data["format"], data.get("rows"), data["status"],
                                data["created_at"], data.get("filters", {}),
                                data.get("written", 0)))
    return found


def export_status(user, name: str) -> ExportFile:
    """One of the user's exports, whatever its state; a name that is not one is 404."""
    if _NAME.match(name):
        for item in list_exports(user):
            if item.name == name:
                return item
    raise NotFound(_("No export named %(name)s.") % {"name": name})


def export_file(user, name: str) -> Path:
    """The path of one of the user's finished exports; a name that is not one is 404."""
    path = owner_dir(user.pk) / name
    if not _NAME.match(name) or not path.is_file():
        raise NotFound(_("No export named %(name)s.") % {"name": name})
    return path
