"""Home panels: the collection site's open tubes and boxes to ship and the people recalled to
resample, the lab's boxes in transit,
tubes waiting and overdue ones (scoped reads; the lab's panel shows barcodes only). Shown
with zeros too: a role's home says that there is nothing waiting."""

from __future__ import annotations

from django.utils import timezone

from outbreakhq import protocols
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can
from outbreakhq.screening import worklists
from outbreakhq.screening.models import BoxStatus


def operator(actor, area=None) -> dict | None:
    """The site's open tubes and boxes in transit, and the people recalled in its areas still
    to be resampled (a recall's retest is taken at the site)."""
    tubes = worklists.open_tubes(actor)
    shipped = worklists.boxes(actor, Can.COLLECT_SAMPLES, BoxStatus.SHIPPED)
    recalls = worklists.recall_counts(actor) if can(actor, Can.VIEW_PERSON) else None
    return {"open_tubes": len(tubes), "in_transit": len(shipped),
            "to_resample": recalls["notified"] if recalls else None}


def lab(actor, area=None) -> dict | None:
    boxes = worklists.boxes(actor, Can.RECORD_RESULTS, BoxStatus.SHIPPED)
    waiting = worklists.waiting_tubes(actor)
    protocol = protocols.current()
    hours = protocol.alerts.sample_overdue_hours
    report_hours = protocol.screening.turnaround_hours.result_to_report
    overdue = worklists.overdue(actor, Can.RECORD_RESULTS, hours, timezone.now(),
                                report_hours=report_hours)
    return {"in_transit": len(boxes), "waiting": len(waiting), "overdue": overdue,
            "overdue_hours": hours, "report_hours": report_hours}
