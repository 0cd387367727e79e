"""Where a commit runs, the same rule for the page, the API and the CLI: a checked file of more
than IMPORT_IN_BACKGROUND_ABOVE rows is committed by the task worker (`outbreakhq db_worker`),
not in the web request (whose time limit a large file could pass) nor in the command.

The outcome is written to a `.json` note beside the uploaded file: queued, then done with the
counts, or failed with every row-level error. It is all-or-nothing as in the request: the task
commits the plan kept with the upload (uploads.py) in one transaction, or plans again if that
plan is no longer fresh.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.tasks import task

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import AppError
from outbreakhq.core.models import Area
from outbreakhq.interop import uploads
from outbreakhq.interop.errorfile import csv_text, error_values, errors_file
from outbreakhq.interop.pipeline import ImportResult, Plan, checked_plan, commit_plan

IMPORT_IN_BACKGROUND_ABOVE = 1000  # rows
MAX_REPORTED_ERRORS = 500


def in_background(plan: Plan) -> bool:
    return len(plan.rows) > IMPORT_IN_BACKGROUND_ABOVE


@dataclass(frozen=True)
class Submitted:
    plan: Plan
    result: ImportResult | None  # None: queued for the worker
    queued: bool = False


def submit_import(*, actor: Actor, kind: str, path: Path, name: str,
                  mapping: dict | None, area: Area | None, partial: bool = False) -> Submitted:
    """Check the upload (its kept plan, if fresh) and commit it here, or queue it when large.
    Refused with every row error if any row is wrong. A queued upload stays until the worker
    is done with it; a committed one is deleted (personal data, kept no longer than needed)."""
    plan = checked_plan(actor=actor, kind=kind, path=path, name=name, mapping=mapping,
                        area=area, partial=partial, plan=uploads.kept_plan(
                            path, actor=actor, kind=kind, mapping=mapping, area=area))
    if in_background(plan):
        uploads.keep_plan(path, plan, actor=actor, mapping=mapping, area=area)
        note_of(path).write_text(json.dumps({"status": "queued", "rows": len(plan.rows)}))
        import_in_background.enqueue(user_id=actor.user_id, kind=kind, path=str(path), name=name,
                                     mapping=mapping, area_code=area.code if area else "",
                                     partial=partial)
        return Submitted(plan, None, queued=True)
    result = commit_plan(actor=actor, plan=plan, name=name, partial=partial)
    uploads.forget(path)
    return Submitted(plan, result)


def note_of(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def status_of(path: Path) -> dict | None:
    """The background import's state for this upload, or None if none was started."""
    note = note_of(path)
    return json.loads(note.read_text()) if note.is_file() else None


@task()
def import_in_background(*, user_id: int, kind: str, path: str, name: str,
                         mapping: dict | None, area_code: str, partial: bool = False) -> dict:
    """Commit the file as its owner; record the outcome beside it."""
    actor = Actor.for_command(get_user_model().objects.get(pk=user_id))
    area = Area.objects.get(code=area_code) if area_code else None
    upload = Path(path)
    try:
        plan = checked_plan(actor=actor, kind=kind, path=upload, name=name, mapping=mapping,
                            area=area, partial=partial,
                            plan=uploads.kept_plan(upload, actor=actor, kind=kind,
                                                   mapping=mapping, area=area))
        result = commit_plan(actor=actor, plan=plan, name=name, partial=partial)
    except AppError as exc:
        outcome = {"status": "failed", "message": str(exc.message),
                   "errors": [e.as_dict() for e in exc.errors[:MAX_REPORTED_ERRORS]],
                   "error_count": len(exc.errors)}
    else:
        outcome = {"status": "done", "rows": len(plan.rows), "created": result.created,
                   "updated": result.updated, "unchanged": result.unchanged,
                   "held": result.held, "refused": result.refused,
                   "errors": [e.as_dict() | {"value": value} for e, value in
                              error_values(plan, result.errors)][:MAX_REPORTED_ERRORS],
                   "error_count": len(result.errors)}
        if result.errors:
            errors_file(upload).write_text(csv_text(plan, result.errors), encoding="utf-8")
        uploads.forget(upload)  # personal data: kept no longer than needed
    note_of(upload).write_text(json.dumps(outcome, ensure_ascii=False))
    return outcome
