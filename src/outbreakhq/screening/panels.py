"""Home panels: the collection site's open tubes and boxes to ship, the lab's boxes in transit,
tubes waiting and overdue ones (scoped reads; the lab's panel shows barcodes only). Shown
with zeros too: a role's home says that there is nothing waiting."""

from __future__ import annotations

from django.utils import timezone

from outbreakhq import protocols
from outbreakhq.core.roles import Can
from outbreakhq.screening import worklists
from outbreakhq.screening.models import BoxStatus


def operator(actor, area=None) -> dict | None:
    tubes = worklists.open_tubes(actor)
    shipped = worklists.boxes(actor, Can.COLLECT_SAMPLES, BoxStatus.SHIPPED)
    return {"open_tubes": len(tubes), "in_transit": len(shipped)}


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
