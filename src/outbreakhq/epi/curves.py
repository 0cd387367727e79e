"""Epidemic curves and the dashboard's indicators as pure functions (no Django).

A daily series is a list of counts for consecutive days. Rows are tuples the caller reads from
the aggregates (command/models.py), never records of people.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class DoublingTime:
    """Days for the daily count to double, from a log-linear fit; `lower`/`upper` the 95%
    interval (infinite when the growth rate's interval crosses 0). A negative value is a
    halving time (the epidemic is shrinking)."""

    days: float
    lower: float
    upper: float
    growth_rate: float  # per day

    @property
    def growing(self) -> bool:
        return self.growth_rate > 0


def doubling_time(counts: Iterable[int], *, level: float = 0.95) -> DoublingTime | None:
    """A least-squares fit of log(count + 0.5) on day number (0.5 keeps zero days); None with
    fewer than 3 days or no case at all. The interval comes from the slope's t interval."""
    y = np.asarray(list(counts), dtype=float)
    if len(y) < 3 or y.sum() == 0:
        return None
    x = np.arange(len(y), dtype=float)
    fit = stats.linregress(x, np.log(y + 0.5))
    r = float(fit.slope)
    t = stats.t.ppf(0.5 + level / 2, len(y) - 2)
    lo, hi = r - t * fit.stderr, r + t * fit.stderr

    def days(rate: float) -> float:
        return math.inf if rate == 0 else math.log(2) / rate

    if r == 0:
        return DoublingTime(math.inf, math.inf, math.inf, 0.0)
    if lo <= 0 <= hi:  # the sign itself is uncertain
        bounds = (days(hi), math.inf) if r > 0 else (-math.inf, days(lo))
    else:
        bounds = tuple(sorted((days(lo), days(hi))))
    return DoublingTime(days(r), bounds[0], bounds[1], r)


def positivity(positive: int, tested: int) -> float | None:
    """The share of tests that were positive (None: nothing tested)."""
    if tested < 0 or positive < 0 or positive > tested:
        raise ValueError("positive tests must be between 0 and the tests done")
    return positive / tested if tested else None


def share_under_control(under_control: int, total: int) -> float | None:
    """The share of new cases found under control ("social zero" is a share of 1)."""
    if total < 0 or under_control < 0 or under_control > total:
        raise ValueError("cases found under control must be between 0 and all new cases")
    return under_control / total if total else None


def days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def daily_series(rows: Iterable[tuple[date, int]], start: date, end: date) -> list[int]:
    """Counts per day from `start` to `end` (inclusive), zero on days with no row."""
    by_day: dict[date, int] = defaultdict(int)
    for day, n in rows:
        by_day[day] += n
    return [by_day.get(d, 0) for d in days_between(start, end)]


def epidemic_curve(rows: Iterable[tuple], start: date, end: date, *,
                   by: int | None = None) -> dict[str, list[int]]:
    """An epidemic curve: rows are (day, count) or (day, group, count) when `by` groups them
    (the area, the detection route…); the result maps each group ("" for none) to its daily
    series from `start` to `end`."""
    groups: dict[str, list[tuple[date, int]]] = defaultdict(list)
    for row in rows:
        if by is None:
            day, n = row[0], row[-1]
            groups[""].append((day, n))
        else:
            groups[str(row[by])].append((row[0], row[-1]))
    return {g: daily_series(v, start, end) for g, v in sorted(groups.items())}


def incomplete_days(end: date, *, delay_days: int = 3) -> set[date]:
    """The last days whose counts are still growing (reports come in late): greyed on charts."""
    return {end - timedelta(days=i) for i in range(delay_days)}
