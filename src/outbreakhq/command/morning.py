"""The morning situation reports: a periodic job (core/periodic.py) makes, at
OUTBREAKHQ_SITREP_TIME, the PDF of every top-level jurisdiction for that day, as the system
(no user: aggregates only, as `outbreakhq sitrep`), into OUTBREAKHQ_DATA_DIR/sitreps/."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from outbreakhq.command import report
from outbreakhq.core import periodic
from outbreakhq.core.models import Area

JOB = report.MORNING_JOB


def folder() -> Path:
    return Path(settings.DATA_DIR) / "sitreps"


def stored(area: Area, day: date) -> Path:
    return folder() / report.file_name(area, day)


def make_morning_reports(slot: datetime) -> str:
    """One PDF per top-level jurisdiction for the slot's day, in the deployment's language;
    written to a temporary name first, so a reader never sees half a file."""
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


def job() -> periodic.Job:
    try:
        at = report.morning_time()
    except ValueError as exc:
        raise ImproperlyConfigured(str(exc)) from None
    return periodic.Job(JOB, make_morning_reports, daily_at=at,
                        description="situation report PDFs")
