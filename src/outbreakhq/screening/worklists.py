"""Screening's read side: scoped lists (recalls, coverage, open tubes, boxes) and figures."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncHour
from django.utils import timezone

from outbreakhq.core.actor import Actor
from outbreakhq.core.models import Area, Person
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import scope_areas
from outbreakhq.screening import rules
from outbreakhq.screening.models import (
    Box,
    Exemption,
    Lab,
    Recall,
    RecallStatus,
    Round,
    Site,
    Tube,
    TubeMember,
    TubeStatus,
)

PAGE = 200


def rounds_for(actor: Actor, capability: str) -> list[Round]:
    """Rounds whose target area overlaps the actor's scope for `capability`, newest first."""
    paths = [a.path for a in scope_areas(actor, capability)]
    rounds = Round.objects.select_related("area", "campaign").order_by("-day", "-id")[:200]
    return [r for r in rounds
            if any(r.area.path.startswith(p) or p.startswith(r.area.path) for p in paths)]


def sites_for(actor: Actor, capability: str = Can.COLLECT_SAMPLES) -> list[Site]:
    return list(Site.objects.visible_to(actor, capability).select_related("area")
                .order_by("name")[:PAGE])


def labs_for(actor: Actor, capability: str = Can.RECORD_RESULTS) -> list[Lab]:
    return list(Lab.objects.visible_to(actor, capability).select_related("area")
                .order_by("name")[:PAGE])


def recall_list(actor: Actor, *, round_id: int | None = None, status: str = "") -> list[Recall]:
    rows = Recall.objects.visible_to(actor, Can.VIEW_PERSON).select_related(
        "person", "area", "tube", "retest_tube")
    if round_id:
        rows = rows.filter(round_id=round_id)
    if status:
        rows = rows.filter(status=status)
    return list(rows.order_by("status", "-id")[:PAGE])


def open_tubes(actor: Actor) -> list[Tube]:
    """Sealed tubes of the actor's sites waiting for a box."""
    return list(Tube.objects.visible_to(actor, Can.COLLECT_SAMPLES).filter(
        status=TubeStatus.SEALED).select_related("site").order_by("site_id", "id")[:PAGE])


def boxes(actor: Actor, capability: str, status: str) -> list[Box]:
    return list(Box.objects.visible_to(actor, capability).filter(status=status)
                .select_related("site").annotate(tubes_count=Count("tubes"))
                .order_by("shipped_at")[:PAGE])


def waiting_tubes(actor: Actor) -> list[Tube]:
    """Tubes received at the lab and waiting for a result (no names: barcodes only)."""
    return list(Tube.objects.visible_to(actor, Can.RECORD_RESULTS).filter(
        status=TubeStatus.RECEIVED).select_related("box").order_by("received_at", "id")[:PAGE])


def unreported_tubes(actor: Actor) -> list[Tube]:
    """Resulted tubes the lab has not reported yet, oldest result first (barcodes only)."""
    return list(Tube.objects.visible_to(actor, Can.RECORD_RESULTS).filter(
        status=TubeStatus.RESULTED, reported_at__isnull=True).select_related("box")
        .order_by("resulted_at", "id")[:PAGE])


def overdue(actor: Actor, capability: str, hours: int, now, *,
            report_hours: int | None = None) -> dict:
    """Boxes not received and tubes not resulted `hours` after collection (preset alert);
    with `report_hours`, resulted tubes not reported that long after their result."""
    limit = now - timedelta(hours=hours)
    visible = Tube.objects.visible_to(actor, capability)
    tubes = visible.filter(collected_at__lt=limit)
    figures = {"not_received": tubes.filter(status=TubeStatus.SHIPPED).count(),
               "not_resulted": tubes.filter(status=TubeStatus.RECEIVED).count(),
               "not_reported": 0}
    if report_hours is not None:
        figures["not_reported"] = visible.filter(
            status=TubeStatus.RESULTED, reported_at__isnull=True,
            resulted_at__lt=now - timedelta(hours=report_hours)).count()
    return figures


@dataclass
class Coverage:
    registered: int
    sampled: int
    missing_by_compound: list[tuple[Area, list[Person]]]
    exempted: int = 0
    at_home: int = 0

    @property
    def share(self) -> float | None:
        return self.sampled / self.registered if self.registered else None


def coverage(actor: Actor, round_: Round, *, limit: int = 500) -> Coverage:
    """People registered in the round's area (in the actor's scope) against those sampled;
    the missing, grouped by home compound, for door-to-door follow-up.

    "Not sampled" and "not exempted" are NOT EXISTS (an anti-join), never NOT IN a subquery:
    PostgreSQL runs NOT IN over a subquery larger than work_mem once per person (the
    4,000,000-person city's missing list never finished)."""
    people = Person.objects.visible_to(actor, Can.VIEW_PERSON).filter(
        home_area__path__startswith=round_.area.path)
    sampled_ids = TubeMember.objects.filter(round=round_, retest=False).values("person_id")
    sampled = Exists(TubeMember.objects.filter(round=round_, retest=False,
                                               person_id=OuterRef("pk")))
    exempt = Exists(Exemption.objects.filter(round=round_, person_id=OuterRef("pk")))
    registered = people.count()
    sampled_count = people.filter(pk__in=sampled_ids).count()
    # Sampled at home: asked only when the tenant has home-visit teams (most rounds have
    # none, and the question walks every member of the round: 10 s of 4,000,000).
    home_sites = list(Site.objects.filter(tenant_id=round_.tenant_id, home_visits=True)
                      .values_list("pk", flat=True))
    at_home = people.filter(pk__in=TubeMember.objects.filter(
        round=round_, retest=False, tube__site_id__in=home_sites).values("person_id")).count() \
        if home_sites else 0
    exempted = people.filter(exempt).exclude(sampled).count()
    missing = defaultdict(list)
    for person in (people.exclude(sampled).exclude(exempt)
                   .select_related("home_area").order_by("home_area__path", "address",
                                                         "name")[:limit]):
        missing[person.home_area].append(person)
    return Coverage(registered, sampled_count, list(missing.items()), exempted, at_home)


# Where a tube's turnaround is counted: its collection site, or the lab its box was received at.
BY = {"site": "site__name", "lab": "box__lab__name"}


def turnaround(actor: Actor, capability: str, *, round_id: int | None = None,
               by: str = "site") -> list[dict]:
    """Per site (or per lab, `by="lab"`: tubes not yet received at a lab are left out), by
    `name`: collection → receipt, receipt → result, result → report and collection → report (hours;
    mean, median, max, and the share reported within 6, 12, 24 hours)."""
    tubes = Tube.objects.visible_to(actor, capability)
    if round_id:
        tubes = tubes.filter(round_id=round_id)
    if by == "lab":
        tubes = tubes.filter(box__lab__isnull=False)
    by_place: dict[str, list] = defaultdict(list)
    for place, *times in tubes.values_list(
            BY[by], "collected_at", "received_at", "resulted_at",
            "reported_at")[:100_000]:
        by_place[place].append(times)
    out = []
    for place, times in sorted(by_place.items()):
        out.append({"name": place, "tubes": len(times),
                    "to_receipt": rules.turnaround([rules.hours_between(c, r)
                                                    for c, r, _x, _p in times]),
                    "to_result": rules.turnaround([rules.hours_between(r, x)
                                                   for _c, r, x, _p in times]),
                    "to_report": rules.turnaround([rules.hours_between(x, p)
                                                   for _c, _r, x, p in times]),
                    "total": rules.turnaround([rules.hours_between(c, p)
                                               for c, _r, _x, p in times])})
    return out


def recall_counts(actor: Actor) -> dict:
    rows = Recall.objects.visible_to(actor, Can.VIEW_PERSON)
    return rows.aggregate(notified=Count("id", filter=Q(status=RecallStatus.NOTIFIED)),
                          resampled=Count("id", filter=Q(status=RecallStatus.RESAMPLED)))



def day_range(day: date) -> tuple[datetime, datetime]:
    """The instants of a local day: a range the (step)_at indexes answer, where `__date`
    would convert every row's time first."""
    start = datetime.combine(day, time(0), tzinfo=timezone.get_default_timezone())
    return start, start + timedelta(days=1)


def hourly(actor: Actor, capability: str, day, *, within: Area | None = None) -> list[dict]:
    """Tubes collected, shipped (in transit), received (waiting at the lab) and resulted per
    hour of `day`, per site and lab (counted in the database; the lab is the one the tube's
    box was received at, blank before): the lab's and the sites' dashboard."""
    tubes = Tube.objects.visible_to(actor, capability, within=within)
    start, end = day_range(day)
    rows: dict[tuple, dict] = {}
    steps = ("collected", "shipped", "received", "resulted")
    for step in steps:
        counted = (tubes.filter(**{f"{step}_at__gte": start, f"{step}_at__lt": end})
                   .annotate(hour=TruncHour(f"{step}_at"))
                   .values("site__name", "box__lab__name", "hour")
                   .annotate(n=Count("id")).order_by())
        for row in counted:
            key = (row["hour"], row["site__name"], row["box__lab__name"] or "")
            rows.setdefault(key, {"hour": row["hour"], "site": key[1], "lab": key[2],
                                  **dict.fromkeys(steps, 0)})[step] = row["n"]
    return [rows[k] for k in sorted(rows)]


def by_site_and_lab(actor: Actor, capability: str, day, *,
                    round_id: int | None = None) -> list[dict]:
    """Per site and lab, now: tubes collected on `day`, in transit, waiting at the lab for a
    result (whatever their day: yesterday's late boxes are work today too) and resulted on
    `day` (counted in the database). A tube counts for the lab its box was received at; tubes
    in transit have none yet."""
    tubes = Tube.objects.visible_to(actor, capability)
    if round_id:
        tubes = tubes.filter(round_id=round_id)
    start, end = day_range(day)
    today_collected = Q(collected_at__gte=start, collected_at__lt=end)
    today_resulted = Q(resulted_at__gte=start, resulted_at__lt=end)
    pending = Q(status__in=(TubeStatus.SHIPPED, TubeStatus.RECEIVED))
    rows = (tubes.filter(today_collected | today_resulted | pending)
            .values("site__name", "box__lab__name")
            .annotate(collected=Count("id", filter=today_collected),
                      in_transit=Count("id", filter=Q(status=TubeStatus.SHIPPED)),
                      waiting=Count("id", filter=Q(status=TubeStatus.RECEIVED)),
                      resulted=Count("id", filter=today_resulted))
            .order_by("site__name", "box__lab__name"))
    return [{"site": r["site__name"], "lab": r["box__lab__name"] or "",
             **{k: r[k] for k in ("collected", "in_transit", "waiting", "resulted")}}
            for r in rows[:PAGE]]


def today_figures(actor: Actor, area: Area | None = None) -> dict:
    """The overview tile (aggregates only): today's tubes by status, people sampled, positive
    tubes, recalls still open."""
    start, end = day_range(timezone.localdate())
    tubes = Tube.objects.visible_to(actor, Can.VIEW_AGGREGATES, within=area).filter(
        collected_at__gte=start, collected_at__lt=end)
    figures = tubes.aggregate(
        tubes=Count("id"), people=Sum("members_count"),
        in_transit=Count("id", filter=Q(status=TubeStatus.SHIPPED)),
        waiting=Count("id", filter=Q(status=TubeStatus.RECEIVED)),
        resulted=Count("id", filter=Q(status=TubeStatus.RESULTED)),
        positive=Count("id", filter=Q(result="positive")))
    figures["open_recalls"] = Recall.objects.visible_to(
        actor, Can.VIEW_AGGREGATES, within=area).filter(
        status__in=(RecallStatus.NOTIFIED, RecallStatus.RESAMPLED)).count()
    figures["people"] = figures["people"] or 0
    return figures
