"""The read side: occupancy counted from stays, a site's day (arrivals, releases due, tests due
and overdue, rooms free), the awaiting list, and the answers to other modules' questions.

What "occupied" counts, said once and shown on the pages: people in a stay today, placed and
not released (nor transferred). Of those, `in_rooms` still hold a bed (quarantine phase); the
others are in their home-monitoring days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import batched

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from outbreakhq import protocols
from outbreakhq.core import audit, hooks
from outbreakhq.core.actor import Actor
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can
from outbreakhq.quarantine import rules
from outbreakhq.quarantine.models import (
    Awaiting,
    AwaitingStatus,
    Breach,
    Cohort,
    CohortMember,
    Room,
    Site,
    Stay,
    StayStatus,
    StayTest,
)


def sites_with_occupancy(actor: Actor, today: date, capability: str = Can.MANAGE_STAYS, *,
                         site: Site | None = None) -> list[Site]:
    """The actor's sites (or the one `site`), each with `beds` (beds of its rooms), `in_stay`
    (placed, not released), `in_rooms` (of those, holding a bed today) and `free`: counted
    from stays by two grouped queries, never read from a counter. (Correlated counts per
    site took 2 s at 200,000 active stays; one GROUP BY over the open stays is one pass.)"""
    sites = Site.objects.visible_to(actor, capability).select_related("area")
    if site is not None:
        sites = sites.filter(pk=site.pk)
    sites = list(sites.order_by("name", "pk"))
    ids = [s.pk for s in sites]
    beds = dict(Room.objects.filter(site__in=ids).order_by().values("site").annotate(
        n=Sum("beds")).values_list("site", "n"))
    stays = Stay.objects.filter(status=StayStatus.PLACED)
    stays = stays.filter(site=site) if site is not None else stays.filter(site__in=ids)
    counts = {row["site"]: row for row in stays.order_by().values("site").annotate(
        in_stay=Count("pk"),
        in_rooms=Count("pk", filter=Q(room__isnull=False, quarantine_end__gte=today)))}
    for s in sites:
        row = counts.get(s.pk, {})
        s.beds, s.in_stay, s.in_rooms = beds.get(s.pk, 0), row.get("in_stay", 0), \
            row.get("in_rooms", 0)
        s.free = max(0, s.beds - s.in_rooms)
    return sites


def free_rooms(site: Site, today: date):
    """Rooms of the site with at least one free bed today, and how many."""
    held = Stay.objects.filter(room=OuterRef("pk"), status=StayStatus.PLACED,
                               quarantine_end__gte=today).order_by().values("room").annotate(
        n=Count("pk")).values("n")
    return (Room.objects.filter(site=site).select_related("floor__building")
            .annotate(held=Coalesce(Subquery(held, output_field=IntegerField()), Value(0)))
            .annotate(free=F("beds") - F("held")).filter(held__lt=F("beds"))
            .order_by("floor__building__name", "floor__name", "number"))


def free_rooms_of(site_ids, today: date) -> dict[int, list[tuple[int, str, int, int]]]:
    """{site: its rooms with at least one free bed today, as (room, number, beds, held)}, in
    the order `free_rooms` lists them, for many sites at once: one grouped query (rooms joined
    to the stays holding their beds) per 5,000 sites, not one query per site (the bulk
    placement's preview read 500 sites one by one: 90 % of a batch). Sites with no free room
    are left out."""
    found: dict[int, list[tuple[int, str, int, int]]] = {}
    for part in batched(list(site_ids), 5000):
        rows = (Room.objects.filter(site__in=part).order_by()
                .annotate(held=Count("stays", filter=Q(stays__status=StayStatus.PLACED,
                                                      stays__quarantine_end__gte=today)))
                .filter(held__lt=F("beds"))
                .order_by("site", "floor__building__name", "floor__name", "number")
                .values_list("site", "pk", "number", "beds", "held"))
        for site, *room in rows:
            found.setdefault(site, []).append(tuple(room))
    return found


def _test_day_filter(today: date, *, overdue: bool) -> Q:
    """Placed stays with a test day today (or before today) and no result for it: one Exists
    per (kind, test day) of the deployment's preset, since the schedule is the same for every
    stay of a kind and start."""
    protocol = protocols.current()
    where = Q(pk__in=[])
    for kind in protocols.PERSON_CATEGORIES:
        for n in protocol.rule_for(kind).test_days:
            missing = ~Exists(StayTest.objects.filter(stay=OuterRef("pk"), day=n))
            started = today - timedelta(days=n - 1)
            when = Q(start__lt=started) if overdue else Q(start=started)
            where |= Q(kind=kind, protocol=protocol.meta.name) & when & Q(missing)
    return where


@dataclass
class SiteDay:
    arrivals: list
    releases_due: list
    tests_due: list
    tests_overdue: list


def reading_capability(actor: Actor) -> str | None:
    """The capability a person's quarantine records are read with: running the sites, or, for
    a commander who runs none, overriding their rules (Can.OVERRIDE_RULES); each reads the
    records of that capability's scope. None for a role holding neither."""
    if can(actor, Can.MANAGE_STAYS):
        return Can.MANAGE_STAYS
    return Can.OVERRIDE_RULES if can(actor, Can.OVERRIDE_RULES) else None


def stays_of(actor: Actor, capability: str = Can.MANAGE_STAYS):
    return Stay.objects.visible_to(actor, capability).select_related("person", "room", "site")


def site_day(actor: Actor, site: Site | None, today: date, *, limit: int = 200) -> SiteDay:
    """Today's work at one site (or every site of the actor's scope when `site` is None), for
    the site page, the API and the command line alike: one audit event names everyone listed."""
    rows = stays_of(actor).filter(status=StayStatus.PLACED).select_related("area")
    if site is not None:
        rows = rows.filter(site=site)
    day = SiteDay(
        arrivals=list(rows.filter(start=today).order_by("pk")[:limit]),
        releases_due=list(rows.filter(planned_end__lte=today).order_by("planned_end", "pk")
                          [:limit]),
        tests_due=list(rows.filter(_test_day_filter(today, overdue=False)).order_by("pk")[:limit]),
        tests_overdue=list(rows.filter(_test_day_filter(today, overdue=True)).order_by("pk")
                           [:limit]))
    shown = {s.pk: s for s in (*day.arrivals, *day.releases_due, *day.tests_due,
                               *day.tests_overdue)}.values()
    audit.record_shown(actor=actor, object_type="stay", records=[s.pk for s in shown],
                       people=[(s.person_id, s.tenant_id) for s in shown],
                       places=[s.area.path for s in shown],
                       detail={"list": "site day", "on": today.isoformat()})
    return day


def day_counts(actor: Actor, today: date, area=None) -> dict:
    """The home panel's figures: arrivals, releases due, tests due and overdue today."""
    rows = Stay.objects.visible_to(actor, Can.MANAGE_STAYS, within=area).filter(
        status=StayStatus.PLACED)
    return {"arrivals": rows.filter(start=today).count(),
            "releases_due": rows.filter(planned_end__lte=today).count(),
            "tests_due": rows.filter(_test_day_filter(today, overdue=False)).count(),
            "tests_overdue": rows.filter(_test_day_filter(today, overdue=True)).count(),
            "awaiting": awaiting(actor).count()}


def awaiting(actor: Actor, capability: str = Can.MANAGE_STAYS):
    return (Awaiting.objects.visible_to(actor, capability)
            .filter(status=AwaitingStatus.WAITING).select_related("person", "area")
            .order_by("pk"))


def forecast(actor: Actor, today: date, days: int = 7, *, sites: list | None = None
             ) -> list[dict]:
    """Beds needed in the actor's sites for each of the next `days` days: people holding a bed
    that day (placed stays whose quarantine phase runs to it), plus everyone awaiting
    placement (assumed placed today, for the quarantine days of their kind)."""
    protocol = protocols.current()
    open_stays = Stay.objects.visible_to(actor, Can.MANAGE_STAYS).filter(
        status=StayStatus.PLACED, room__isnull=False)
    ends = dict(open_stays.order_by().values("quarantine_end").annotate(n=Count("pk")).values_list(
        "quarantine_end", "n"))
    # order_by(): the list's own ordering by pk would otherwise split the count into ones.
    waiting = dict(awaiting(actor).order_by().values("kind").annotate(n=Count("pk"))
                   .values_list("kind", "n"))
    if sites is None:
        sites = sites_with_occupancy(actor, today)
    beds = sum(s.beds for s in sites)
    rows = []
    for offset in range(days):
        day = today + timedelta(days=offset)
        held = sum(n for end, n in ends.items() if end >= day)
        coming = sum(n for kind, n in waiting.items()
                     if kind in protocols.PERSON_CATEGORIES
                     and offset < protocol.rule_for(kind).quarantine_days)
        rows.append({"date": day, "held": held, "awaiting": coming, "beds": beds,
                     "short": max(0, held + coming - beds)})
    return rows


# Questions other modules ask (core/hooks.py `ask`), provided from apps.py.

def results_of_many(person_ids) -> dict[int, list[tuple[datetime, str]]]:
    """`quarantine.results_of_many`: {person: the tests recorded during their stays, newest
    first, as (the test day at 00:00 UTC, result)}, one query; a result carried over by a
    transfer counts once."""
    answers: dict[int, list[tuple[datetime, str]]] = {}
    for person, day, result in (StayTest.objects.filter(stay__person_id__in=list(person_ids),
                                                        carried=False)
                                .order_by("-date", "-pk")
                                .values_list("stay__person_id", "date", "result")):
        answers.setdefault(person, []).append((datetime.combine(day, time.min, tzinfo=UTC),
                                               result))
    return answers


def results_of(person_id: int) -> list[tuple[datetime, str]]:
    """`quarantine.results_of`: `results_of_many` for one person."""
    return results_of_many([person_id]).get(person_id, [])


def in_stay_many(person_ids, day: date) -> set[int]:
    """`quarantine.in_stay_many`: those of the people under quarantine (any phase) that day."""
    return set(Stay.objects.filter(person_id__in=list(person_ids), start__lte=day).filter(
        Q(status=StayStatus.PLACED) | Q(ended_on__gte=day)).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=day)).values_list("person_id", flat=True))


def in_stay(person_id: int, day: date) -> bool:
    """`quarantine.in_stay`: whether the person was under quarantine (any phase) that day."""
    return person_id in in_stay_many([person_id], day)


# Closed-loop staff cohorts ------------------------------------------------------------------

@dataclass
class Untested:
    """A cohort member with no test recent enough for the cohort kind's frequency."""

    member: CohortMember
    every_days: int  # the preset's frequency for the cohort's kind
    last_test: date | None  # typed in here, or a result from screening


def _last_screening_tests(person_ids: list[int], today: date) -> dict[int, date]:
    """{person: the newest day up to `today` screening has a result for them}, one question
    for the list (`screening.results_of_many`; none in a deployment without screening)."""
    found = hooks.ask("screening.results_of_many", person_ids, default={}) or {}
    newest = {}
    for person, results in found.items():
        days = [d for d in (timezone.localdate(at) if isinstance(at, datetime) else at
                            for at, _result in results) if d <= today]
        if days:
            newest[person] = max(days)
    return newest


def untested_today(actor: Actor, today: date, *, site: Site | None = None,
                   cohort: Cohort | None = None, limit: int = 500, within=None,
                   audited: bool = True) -> list[Untested]:
    """Members of the actor's cohorts (still in them, joined by today) who need a test today:
    none in the last `every_days` days of the preset's `quarantine.staff_test_every_days` for
    their cohort's kind, counting tests typed in and screening's results. One audit event
    names the people listed."""
    every = protocols.current().quarantine.staff_test_every_days
    members = (CohortMember.objects.visible_to(actor, Can.MANAGE_STAYS, within=within)
               .filter(left_on__isnull=True, joined_on__lte=today)
               .select_related("cohort", "cohort__site", "cohort__area", "person")
               .annotate(last_typed=Max("tests__date", filter=Q(tests__date__lte=today)))
               .order_by("cohort__name", "person__name", "pk"))
    if site is not None:
        members = members.filter(cohort__site=site)
    if cohort is not None:
        members = members.filter(cohort=cohort)
    members = list(members)
    due = [m.person_id for m in members
           if rules.staff_untested(m.last_typed, today, getattr(every, m.cohort.kind))]
    screened = _last_screening_tests(due, today) if due else {}
    rows: list[Untested] = []
    for member in members:
        days = getattr(every, member.cohort.kind)
        last = max(filter(None, (member.last_typed, screened.get(member.person_id))),
                   default=None)
        if rules.staff_untested(last, today, days):
            rows.append(Untested(member, days, last))
            if len(rows) >= limit:
                break
    if not audited:  # a count is shown, nobody is named
        return rows
    audit.record_shown(actor=actor, object_type="cohort member",
                       records=[r.member.pk for r in rows],
                       people=[(r.member.person_id, r.member.person.tenant_id) for r in rows],
                       places=[r.member.cohort.area.path for r in rows],
                       detail={"list": "untested", "on": today.isoformat()})
    return rows


def cohorts_of(actor: Actor):
    """The actor's cohorts with how many members are in them (aggregates only)."""
    return (Cohort.objects.visible_to(actor, Can.MANAGE_STAYS).select_related("site")
            .annotate(in_loop=Count("members", filter=Q(members__left_on__isnull=True)))
            .order_by("name", "pk"))


def breaches_of(actor: Actor, *, limit: int = 50) -> list[Breach]:
    """The newest breaches in the actor's cohorts (audited: they name people)."""
    rows = list(Breach.objects.visible_to(actor, Can.MANAGE_STAYS)
                .select_related("member__person", "member__cohort", "area", "recorded_by")
                .order_by("-occurred_at", "-pk")[:limit])
    audit.record_shown(actor=actor, object_type="breach", records=[b.pk for b in rows],
                       people=[(b.member.person_id, b.member.person.tenant_id) for b in rows],
                       places=[b.area.path for b in rows], detail={"list": "breaches"})
    return rows


def members_of(actor: Actor, *, cohort: Cohort | None = None, limit: int = 500
               ) -> list[CohortMember]:
    """Members still in the loop of the actor's cohorts (or of one), each with `last_typed`
    (their newest test typed in), audited as one read."""
    rows = (CohortMember.objects.visible_to(actor, Can.MANAGE_STAYS)
            .filter(left_on__isnull=True)
            .select_related("cohort", "cohort__area", "person")
            .annotate(last_typed=Max("tests__date"))
            .order_by("cohort__name", "person__name", "pk"))
    if cohort is not None:
        rows = rows.filter(cohort=cohort)
    rows = list(rows[:limit])
    audit.record_shown(actor=actor, object_type="cohort member", records=[m.pk for m in rows],
                       people=[(m.person_id, m.person.tenant_id) for m in rows],
                       places=[m.cohort.area.path for m in rows], detail={"list": "members"})
    return rows


def staff_counts(actor: Actor, today: date, area=None) -> dict:
    """The closed-loop panel's figures: members not tested today, breaches of the last 7 days."""
    untested = untested_today(actor, today, within=area, limit=10_000, audited=False)
    since = datetime.combine(today - timedelta(days=6), time.min, tzinfo=UTC)
    breaches = Breach.objects.visible_to(actor, Can.MANAGE_STAYS, within=area).filter(
        occurred_at__gte=since).count()
    return {"untested": len(untested), "breaches": breaches}
