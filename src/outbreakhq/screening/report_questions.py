"""What screening tells the situation report (command asks, never imports: core/hooks.py):
`screening.turnaround_of(area_path, day)`, the turnaround of the tubes of the subtree resulted
on `day` (local date). Aggregates only, no person."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from outbreakhq.screening import rules
from outbreakhq.screening.models import Tube

LIMIT = 500_000  # a day's tubes of a large region; beyond, the first ones give the figure


def turnaround_of(area_path: str, day: date) -> dict:
    """Hours from collection to result: count, mean, median, max and the share within 6, 12
    and 24 hours (screening/rules.py `turnaround`)."""
    # A range of instants, not `resulted_at__date`: no conversion of every row's time.
    start = datetime.combine(day, time(0), tzinfo=timezone.get_default_timezone())
    times = (Tube.objects.filter(area__path__startswith=area_path, resulted_at__gte=start,
                                 resulted_at__lt=start + timedelta(days=1))
             .values_list("collected_at", "resulted_at").order_by()[:LIMIT])
    return rules.turnaround([rules.hours_between(c, r) for c, r in times])
