"""Uploaded files awaiting their commit, and the plan each keeps, so that a file is planned once
(issue 8): the preview plans and keeps the plan beside the upload; the commit, in the request or
in the task worker, takes it while it is fresh and made for the same user, kind, mapping, area
and file; else it plans again.

Fresh means PLAN_FRESH: what the plan found (the matched people, the stored records, who may
change them) can change under it. A record written meanwhile with one of the file's external
ids still fails the commit whole (pipeline.commit_plan), and the writers' service calls fetch
and lock what they change. The plan is a pickle in the server's own data folder, written and
read only by this module, never by anything a user uploads.
"""

from __future__ import annotations

import json
import pickle
import time
import uuid
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from django.conf import settings

from outbreakhq.core.actor import Actor
from outbreakhq.core.models import Area
from outbreakhq.interop.read import file_format

UPLOAD_KEEP_DAYS = 1  # an upload never confirmed is personal data with no use after a day
PLAN_FRESH = timedelta(minutes=10)


def upload_dir(user) -> Path:
    return Path(settings.DATA_DIR) / "imports" / str(user.pk)


def store_upload(user, name: str, chunks: Iterable[bytes]) -> Path:
    """Write an upload into the user's folder under a new token; older uploads go."""
    suffix = "." + file_format(name)
    folder = upload_dir(user)
    folder.mkdir(parents=True, exist_ok=True)
    limit = time.time() - UPLOAD_KEEP_DAYS * 86400
    for old in folder.glob("*"):
        if old.is_file() and old.stat().st_mtime < limit:
            old.unlink(missing_ok=True)
    path = folder / (uuid.uuid4().hex + suffix)
    with path.open("wb") as out:
        for chunk in chunks:
            out.write(chunk)
    return path


def _plan_path(path: Path) -> Path:
    return path.with_name(path.name + ".plan")


def _fingerprint(path: Path, *, actor: Actor, kind: str, mapping: dict | None,
                 area: Area | None) -> tuple:
    stat = path.stat()
    return (actor.user_id, kind,
            json.dumps(mapping, sort_keys=True, default=str) if mapping is not None else None,
            area.pk if area is not None else None, stat.st_size, stat.st_mtime_ns)


def keep_plan(path: Path, plan, *, actor: Actor, mapping: dict | None, area: Area | None) -> None:
    key = _fingerprint(path, actor=actor, kind=plan.kind, mapping=mapping, area=area)
    _plan_path(path).write_bytes(pickle.dumps((key, time.time(), plan)))


def kept_plan(path: Path, *, actor: Actor, kind: str, mapping: dict | None, area: Area | None):
    """The plan kept for this upload if it is fresh and made for the same request, else None."""
    kept = _plan_path(path)
    if not kept.is_file() or not path.is_file():
        return None
    key, made, plan = pickle.loads(kept.read_bytes())  # noqa: S301 (our own file, see above)
    fresh = time.time() - made < PLAN_FRESH.total_seconds()
    same = key == _fingerprint(path, actor=actor, kind=kind, mapping=mapping, area=area)
    return plan if fresh and same else None


def forget(path: Path) -> None:
    """Delete an upload with its plan and its background note."""
    for each in (path, _plan_path(path), path.with_name(path.name + ".json")):
        each.unlink(missing_ok=True)
