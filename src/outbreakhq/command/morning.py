"""The morning situation reports: a periodic job (core/periodic.py) makes, at
OUTBREAKHQ_SITREP_TIME, the PDF of every top-level jurisdiction for that day, as the system
(no user: aggregates only, as `outbreakhq sitrep`), into OUTBREAKHQ_DATA_DIR/sitreps/."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from outbreakhq.core import periodic
from outbreakhq.core.models import Area

JOB = "command.sitrep"


def sitrep_time() -> time:
    return periodic.parse_time(settings.OUTBREAKHQ_SITREP_TIME, setting="OUTBREAKHQ_SITREP_TIME")


def folder() -> Path:
    return Path(settings.DATA_DIR) / "sitreps"


def stored(area: Area, day: date) -> Path:
    return folder() / f"sitrep-{area.code}-{day.isoformat()}.pdf"


def make_morning_reports(slot: datetime) -> str:
    """One PDF per top-level jurisdiction for the slot's day, in the deployment's language;
    written to a temporary name first, so a reader never sees half a file."""
    from outbreakhq.command import report  # report.py names the morning run on its page

    day = periodic.local_day(slot)
    folder().mkdir(parents=True, exist_ok=True)
    made = 0
    with translation.override(settings.LANGUAGE_CODE):
        for root in Area.objects.roots().order_by("code"):
            target = stored(root, day)
            partial = target.with_suffix(".partial")
            partial.write_bytes(report.pdf(None, root, day))
            partial.replace(target)
            made += 1
    return f"{day}: {made} report(s)"


def morning_of(area: Area, day: date) -> dict:
    """What the report page says of the morning run: its time and, for a top-level
    jurisdiction, when that day's PDF was made (None while not yet)."""
    run = None
    if area.parent_id is None:
        run = next((r for r in periodic.last_runs(JOB, 7)
                    if periodic.local_day(r.slot) == day and r.status == r.DONE), None)
    return {"at": sitrep_time(), "made_at": run.finished_at if run else None,
            "time_zone": settings.TIME_ZONE}


def job() -> periodic.Job:
    try:
        at = sitrep_time()
    except ValueError as exc:
        raise ImproperlyConfigured(str(exc)) from None
    return periodic.Job(JOB, make_morning_reports, daily_at=at,
                        description="situation report PDFs")
