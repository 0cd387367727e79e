"""A jurisdiction's figures from the daily aggregates (never from records of people).

One index range of the area's subtree totals (DailyTotal), then pure epi/ functions:
the dashboard, its chart data and the situation report all read `figures_for`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Sum

from outbreakhq.command.models import DailyTotal
from outbreakhq.core import hooks
from outbreakhq.core.models import Area
from outbreakhq.epi import curves
from outbreakhq.epi.rt import UNRELIABLE_BELOW, RtEstimate, estimate_r
from outbreakhq.tracing.models import DetectionRoute

# The serial interval of SARS-CoV-2 (Nishiura, Linton and Akhmetzhanov 2020: mean 4.7 days,
# sd 2.9), the default of the dashboards' Rt.
SI_MEAN, SI_SD = 4.7, 2.9
HISTORY_DAYS = 56  # the charts' span and the Rt series' input
INCOMPLETE_DAYS = 3  # the last days whose counts are still coming in (greyed on charts)
# By onset, the last week is incomplete: cases with onset in it are mostly not reported yet.
INCOMPLETE_ONSET_DAYS = 7
IMPORTED = DetectionRoute.INBOUND


@dataclass
class Figures:
    area: Area
    day: date
    days: list[date]
    reported: list[int]  # new cases by report date, per day of `days`
    by_onset: list[int]
    by_route: dict[str, list[int]]  # route -> daily cases by report date
    under_control: list[int]
    contacts: list[int]
    onset_under_control: list[int] = field(default_factory=list)
    rt: list[RtEstimate] = field(default_factory=list)  # windows ending on each day
    rt_days: list[date] = field(default_factory=list)

    @property
    def today_cases(self) -> int:
        return self.reported[-1] if self.reported else 0

    @property
    def today_by_route(self) -> list[tuple[str, str, int]]:
        labels = dict(DetectionRoute.choices)
        return [(route, labels.get(route, route), series[-1])
                for route, series in sorted(self.by_route.items()) if series and series[-1]]

    @property
    def today_under_control(self) -> int:
        return self.under_control[-1] if self.under_control else 0

    @property
    def week_cases(self) -> int:
        return sum(self.reported[-7:])

    @property
    def week_under_control(self) -> int:
        return sum(self.under_control[-7:])

    @property
    def week_share_under_control(self) -> float | None:
        return curves.share_under_control(self.week_under_control, self.week_cases)

    @property
    def latest_rt(self) -> RtEstimate | None:
        return self.rt[-1] if self.rt else None

    @property
    def rt_reliable(self) -> bool:
        return bool(self.rt) and self.rt[-1].cases >= UNRELIABLE_BELOW

    @property
    def doubling(self) -> curves.DoublingTime | None:
        # The fortnight before the incomplete last days.
        complete = self.reported[:-INCOMPLETE_DAYS] if INCOMPLETE_DAYS else self.reported
        return curves.doubling_time(complete[-14:])

    @property
    def total_cases(self) -> int:
        return sum(self.reported)

    def chart_rows(self) -> list[dict]:
        """The curve's data for Vega-Lite: one row per day and route, `incomplete` marked."""
        labels = dict(DetectionRoute.choices)
        last_complete = self.day - timedelta(days=INCOMPLETE_DAYS)
        rows = []
        for route, series in sorted(self.by_route.items()):
            for d, n in zip(self.days, series, strict=True):
                if n:
                    rows.append({"day": d.isoformat(), "route": str(labels.get(route, route)),
                                 "cases": n, "incomplete": d > last_complete})
        return rows

    def onset_rows(self) -> list[dict]:
        """The curve by onset date: found under control or in the community, by day."""
        last_complete = self.day - timedelta(days=INCOMPLETE_ONSET_DAYS)
        rows = []
        for d, total, under in zip(self.days, self.by_onset, self.onset_under_control,
                                   strict=True):
            for group, n in (("control", under), ("community", total - under)):
                if n:
                    rows.append({"day": d.isoformat(), "group": group, "cases": n,
                                 "incomplete": d > last_complete})
        return rows

    def rt_rows(self) -> list[dict]:
        return [{"day": d.isoformat(), "mean": round(e.mean, 3), "lower": round(e.lower, 3),
                 "upper": round(e.upper, 3), "reliable": e.cases >= UNRELIABLE_BELOW}
                for d, e in zip(self.rt_days, self.rt, strict=True)]


def _series(area: Area, start: date, end: date):
    rows = (DailyTotal.objects.filter(area=area, day__gte=start, day__lte=end)
            .values_list("day", "route", "under_control")
            .annotate(r=Sum("cases_reported"), o=Sum("cases_by_onset"), c=Sum("contacts_new"))
            .order_by())
    return list(rows)


def figures_for(area: Area, day: date, *, history: int = HISTORY_DAYS,
                with_rt: bool = True) -> Figures:
    start = day - timedelta(days=history - 1)
    rows = _series(area, start, day)
    days = curves.days_between(start, day)
    index = {d: i for i, d in enumerate(days)}
    reported, onset, control, contacts, onset_control = ([0] * len(days) for _ in range(5))
    local, imported = [0] * len(days), [0] * len(days)
    by_route: dict[str, list[int]] = defaultdict(lambda: [0] * len(days))
    for d, route, under, r, o, c in rows:
        i = index[d]
        reported[i] += r
        onset[i] += o
        contacts[i] += c
        if route:
            by_route[route][i] += r
            (imported if route == IMPORTED else local)[i] += r
            if under:
                control[i] += r
                onset_control[i] += o
    found = Figures(area, day, days, reported, onset, dict(by_route), control, contacts,
                    onset_control)
    if with_rt and sum(reported):
        rt = estimate_r(local=local, imported=imported, si_mean=SI_MEAN, si_sd=SI_SD)
        # Before the first local case a window's estimate is the prior alone: not shown.
        first = next((i for i, e in enumerate(rt) if e.cases), len(rt))
        found.rt = rt[first:]
        found.rt_days = [days[e.t_end - 1] for e in found.rt]
    return found


def child_rows(area: Area, day: date) -> list[dict]:
    """The areas one level down with their last-week figures: one grouped query for all."""
    children = list(area.children.all())
    if not children:
        return []
    start = day - timedelta(days=6)
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for pk, d, under, r in (DailyTotal.objects.filter(
            area__in=children, day__gte=start, day__lte=day)
            .values_list("area_id", "day", "under_control").annotate(r=Sum("cases_reported"))
            .order_by()):
        t = totals[pk]
        t[0] += r
        t[1] += r if d == day else 0
        t[2] += r if under else 0
    # The risk grade in force, when a zones module answers (None: not graded or no module),
    # asked once for every child.
    grades = hooks.ask("zones.grades_of_many", [a.path for a in children], day,
                       default={}) or {}
    return [{"area": a, "week": totals[a.pk][0], "today": totals[a.pk][1],
             "under_control": totals[a.pk][2], "grade": grades.get(a.path),
             "per_100k": (totals[a.pk][0] * 100_000 / a.population) if a.population else None}
            for a in children]
