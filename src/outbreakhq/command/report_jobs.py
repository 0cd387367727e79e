"""The situation report's PDF, made by the task worker (issue 15): WeasyPrint takes 1-2.3 s for
a region's report on the demo data (docs/benchmarks.md), too long to hold a server thread while
fifty people work. The download queues one and the user's page follows it until the file is
ready (command/templates/command/sitrep_pdf_job.html).

The file goes to OUTBREAKHQ_DATA_DIR/sitrep-downloads/<user id>/<token>.pdf, written as `.part`
and renamed when complete; a `.json` note beside it says queued, done or failed, and for which
area, day and language. Each user sees only their own; files are deleted after KEEP_HOURS."""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.tasks import task
from django.utils import translation
from django.utils.translation import gettext as _

from outbreakhq.command import report
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import NotFound
from outbreakhq.core.models import Area

KEEP_HOURS = 24
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def folder(user_id: int) -> Path:
    return Path(settings.DATA_DIR) / "sitrep-downloads" / str(int(user_id))


def _note(path: Path, **values) -> None:
    """Update the note; written aside and renamed, so a reader never sees half of it."""
    note = path.with_suffix(".json")
    current = json.loads(note.read_text()) if note.exists() else {}
    fresh = note.with_name(note.name + ".new")
    fresh.write_text(json.dumps(current | values))
    os.replace(fresh, note)


def _purge(where: Path) -> None:
    limit = time.time() - KEEP_HOURS * 3600
    for path in where.glob("*") if where.is_dir() else []:
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def queue_pdf(*, actor: Actor, area: Area, day: date) -> str:
    """Hand the report of `area` on `day` to the task worker; returns its token. The caller has
    checked that the actor may read the area's report."""
    where = folder(actor.user.pk)
    where.mkdir(parents=True, exist_ok=True)
    _purge(where)
    token = uuid.uuid4().hex
    language = translation.get_language() or settings.LANGUAGE_CODE
    _note(where / f"{token}.pdf", status="queued", area=area.code, day=day.isoformat(),
          language=language)
    render_pdf.enqueue(user_id=actor.user.pk, area_code=area.code, day=day.isoformat(),
                       token=token, language=language)
    return token


@task()
def render_pdf(*, user_id: int, area_code: str, day: str, token: str, language: str) -> str:
    """Make the PDF as its owner (the tiles of the report are those the owner may see)."""
    target = folder(user_id) / f"{token}.pdf"
    partial = target.with_name(target.name + ".part")
    try:
        actor = Actor.for_command(get_user_model().objects.get(pk=user_id))
        area = Area.objects.get(code=area_code)
        with translation.override(language):
            partial.write_bytes(report.pdf(actor, area, date.fromisoformat(day)))
        partial.rename(target)
    except Exception as exc:
        partial.unlink(missing_ok=True)
        _note(target, status="failed", error=exc.__class__.__name__)
        raise
    _note(target, status="done")
    return target.name


def status_of(user, token: str) -> dict:
    """The note of one of the user's reports (status, area, day); another's is missing."""
    note = folder(user.pk) / f"{token}.json"
    if not _TOKEN.match(token) or not note.is_file():
        raise NotFound(_("This report is no longer kept; ask for it again."))
    return json.loads(note.read_text())


def pdf_of(user, token: str) -> Path:
    path = folder(user.pk) / f"{token}.pdf"
    if status_of(user, token)["status"] != "done" or not path.is_file():
        raise NotFound(_("This report is not ready."))
    return path
