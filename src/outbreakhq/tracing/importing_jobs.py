"""Large imports in the background: a confirmed file of more than IMPORT_IN_BACKGROUND_ABOVE rows
is committed by the task worker (`outbreakhq db_worker`), not in the web request, whose time
limit a 5,000-row line list would pass (about 7 ms a row through the services on SQLite).

The outcome is written to a `.json` note beside the uploaded file: queued, then done with the
counts, or failed with every row-level error. It is all-or-nothing as in the web request: the
task runs the same `run_import`, in one transaction.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.tasks import task

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import AppError
from outbreakhq.core.models import Area
from outbreakhq.tracing.importing import run_import

IMPORT_IN_BACKGROUND_ABOVE = 1000  # rows
MAX_REPORTED_ERRORS = 500


def note_of(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def status_of(path: Path) -> dict | None:
    """The background import's state for this upload, or None if none was started."""
    note = note_of(path)
    return json.loads(note.read_text()) if note.is_file() else None


def queue_import(*, actor: Actor, kind: str, path: Path, name: str, mapping: dict[str, str],
                 area: Area | None, rows: int) -> None:
    note_of(path).write_text(json.dumps({"status": "queued", "rows": rows}))
    import_in_background.enqueue(user_id=actor.user.pk, kind=kind, path=str(path), name=name,
                                 mapping=mapping, area_code=area.code if area else "")


@task()
def import_in_background(*, user_id: int, kind: str, path: str, name: str,
                         mapping: dict[str, str], area_code: str) -> dict:
    """Check and commit the file as its owner; record the outcome beside it."""
    user = get_user_model().objects.get(pk=user_id)
    area = Area.objects.get(code=area_code) if area_code else None
    upload = Path(path)
    try:
        _plan, result = run_import(actor=Actor.for_command(user), kind=kind, path=upload,
                                   name=name, mapping=mapping,
                                   area=area)
    except AppError as exc:
        outcome = {"status": "failed", "message": str(exc.message),
                   "errors": [e.as_dict() for e in exc.errors[:MAX_REPORTED_ERRORS]],
                   "error_count": len(exc.errors)}
    else:
        outcome = {"status": "done", "created": result.created, "updated": result.updated,
                   "unchanged": result.unchanged}
        upload.unlink(missing_ok=True)  # personal data: kept no longer than needed
    note_of(upload).write_text(json.dumps(outcome, ensure_ascii=False))
    return outcome
