"""What screening tells the situation report (command asks, never imports: core/hooks.py):
`screening.turnaround_of(area_path, day)`, the turnaround of the tubes of the subtree resulted
on `day` (local date). Aggregates only, no person."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from outbreakhq.screening import rules
from outbreakhq.screening.models import Tube

LIMIT = 500_000  # a day's tubes of a large region; beyond, the first ones give the figure


def turnaround_of(area_path: str, day: date) -> dict:
    """Hours from collection to result: count, mean, median, max and the share within 6, 12
    and 24 hours (screening/rules.py `turnaround`); `labs`: the same per lab the tubes were
    received at (by name; tubes of boxes received without naming a lab are left out)."""
    # A range of instants, not `resulted_at__date`: no conversion of every row's time.
    start = datetime.combine(day, time(0), tzinfo=timezone.get_default_timezone())
    times = (Tube.objects.filter(area__path__startswith=area_path, resulted_at__gte=start,
                                 resulted_at__lt=start + timedelta(days=1))
             .values_list("box__lab__name", "collected_at", "resulted_at").order_by()[:LIMIT])
    by_lab: dict[str, list] = defaultdict(list)
    hours = []
    for lab, collected, resulted in times:
        hours.append(rules.hours_between(collected, resulted))
        if lab:
            by_lab[lab].append(hours[-1])
    return {**rules.turnaround(hours),
            "labs": [{"lab": lab, **rules.turnaround(h)} for lab, h in sorted(by_lab.items())]}
